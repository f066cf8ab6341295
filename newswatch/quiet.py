"""Keep expected failures to one line on the terminal, while Prefect's run logs keep everything.

    with quiet_console_tracebacks(SystemicPollFailure):
        poll_feeds_flow(...)        # the CLI then prints the failure itself, once

Prefect logs an exception that ends a flow run twice on its console handler (the traceback, then
"Finished in state Failed(...)"); for a failure the CLI reports itself that is a wall of text
around one sentence. Only the console handlers are filtered: the records still reach the Prefect
API (the UI's run logs), and any other exception is shown as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.logging.handlers import APILogHandler


class _DropExpected(logging.Filter):
    def __init__(self, kinds: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self.kinds = kinds
        self.names = tuple(kind.__name__ for kind in kinds)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], self.kinds):
            return False
        if record.name.startswith("prefect"):
            message = record.getMessage()
            return not any(name in message for name in self.names)
        return True


def _console_handlers() -> list[logging.Handler]:
    """The handlers that print: Prefect's console handler, or the CLI's own root handler."""
    found: list[logging.Handler] = []
    for logger in (logging.getLogger("prefect"), logging.getLogger()):
        found.extend(h for h in logger.handlers if not isinstance(h, APILogHandler))
    return found


@contextmanager
def quiet_console_tracebacks(*kinds: type[BaseException]) -> Iterator[None]:
    """Within the block, Prefect's console shows no log record about an exception of `kinds`."""
    flt = _DropExpected(kinds)
    handlers = _console_handlers()
    for handler in handlers:
        handler.addFilter(flt)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(flt)
