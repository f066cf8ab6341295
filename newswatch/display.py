"""What a command shows while it works: a progress display on a terminal, named lines elsewhere,
and which log records reach standard error.

    setup_logging(verbosity=0, debug=False)     # once, before Prefect is imported
    with progress_display():                    # around a poll, a backfill, a digest
        ...

Progress comes from `pipeline.progress` events. On a terminal they drive a rich display, one bar
per stage ("poll: pages  40/120"); off a terminal (cron, CI, a pipe) the INFO ones become quiet
lines, about one per stage every two seconds: `poll: pages 40/120 · example.com`.

Logging: `-v` shows INFO of the project's own modules, `-vv` their DEBUG. Prefect's own records
under WARNING (task and flow run states, its API client) and httpx's request lines stay out
unless `--debug`, which lets everything through at DEBUG. Run logs sent to a Prefect API are not
touched: the filter sits on this command's own stderr handler.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from pipeline.progress import LOGGER_NAME, ProgressEvent, event_of

OWN_LOGGERS = ("extract", "store", "reports", "pipeline", "newswatch", "flows")
CHATTY = ("prefect", "httpx", "httpcore", "uvicorn", "fastapi", "asyncio", "websockets")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _CommandFilter(logging.Filter):
    """The stderr handler's filter: no progress records (the display shows them) and, unless
    `debug`, no record under WARNING from Prefect, httpx or the servers under it."""

    def __init__(self, debug: bool) -> None:
        super().__init__()
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == LOGGER_NAME or record.name.startswith(LOGGER_NAME + "."):
            return False
        if self.debug or record.levelno >= logging.WARNING:
            return True
        return not any(record.name == n or record.name.startswith(n + ".") for n in CHATTY)


def setup_logging(verbosity: int = 0, *, debug: bool = False) -> logging.Handler:
    """One stderr handler on the root logger, levels from `-v` (count) and `--debug`."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_newswatch", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_CommandFilter(debug))
    handler._newswatch = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    own = logging.DEBUG if debug or verbosity >= 2 else logging.INFO if verbosity else None
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(own or logging.NOTSET)
    return handler


class ProgressLines(logging.Handler):
    """Off a terminal: each INFO progress event as one line."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.INFO)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        event = event_of(record)
        if event is not None and event.state != "started":
            self.console.print(event.describe(), highlight=False, markup=False, soft_wrap=True)


class ProgressBars(logging.Handler):
    """On a terminal: one rich progress bar per stage, moved by every event."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.DEBUG)
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def emit(self, record: logging.LogRecord) -> None:
        event = event_of(record)
        if event is not None:
            self.show(event)

    def show(self, event: ProgressEvent) -> None:
        task = self.tasks.get(event.stage)
        if task is None:
            task = self.progress.add_task(event.stage, total=event.total)
            self.tasks[event.stage] = task
        label = event.stage + (f" · {event.detail}" if event.detail else "")
        self.progress.update(task, completed=event.done, total=event.total, description=label)


@contextmanager
def progress_display(console: Console | None = None, *, live: bool | None = None) -> Iterator[None]:
    """Show the progress events of the block: bars on a terminal (`live`), else named lines."""
    console = console or Console(stderr=True)
    live = console.is_terminal if live is None else live
    logger = logging.getLogger(LOGGER_NAME)
    before = logger.level
    if live:
        bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        handler: logging.Handler = ProgressBars(bars)
        logger.setLevel(logging.DEBUG)
    else:
        handler = ProgressLines(console)
        logger.setLevel(min(before or logging.INFO, logging.INFO))
    logger.addHandler(handler)
    try:
        if live:
            with bars:
                yield
        else:
            yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(before)
