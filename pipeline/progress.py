"""Progress of long steps, as plain events on the logger `pipeline.progress`.

    with stage("poll: pages", total=120) as pages:
        fetch_pages(urls, config, on_page=lambda page: pages.advance())   # from any thread

Each record of that logger carries a `ProgressEvent` (stage, done, total, detail) as its
`progress` attribute and reads as a quiet named line ("poll: pages 40/120"). A stage logs at INFO
when it starts and ends, and at most every `INFO_EVERY` seconds in between; every other step is
DEBUG. So a log read at INFO (a Prefect run's logs in the UI, a cron mail) gets a line every few
seconds, and a terminal display (`newswatch.display`, which listens at DEBUG) moves at every step.
Nothing is built when no one listens: a step costs one level check.

The fetch lanes of `extract/` know nothing of this module: they take plain callables
(`on_done`, `on_feed`, `on_page`) and the pipeline passes a stage's `advance`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

LOGGER_NAME = "pipeline.progress"
INFO_EVERY = 2.0  # seconds between INFO lines of one stage

log = logging.getLogger(LOGGER_NAME)


@dataclass(frozen=True)
class ProgressEvent:
    """Where one stage is: `done` of `total` (None: not known), and what it is on."""

    stage: str
    done: int
    total: int | None
    detail: str = ""
    state: str = "running"  # 'started' | 'running' | 'finished' | 'failed'

    def describe(self) -> str:
        count = str(self.done) if self.total is None else f"{self.done}/{self.total}"
        text = f"{self.stage} {count}"
        if self.state == "finished":
            text += " done"
        elif self.state == "failed":
            text += " stopped"
        return text + (f" · {self.detail}" if self.detail else "")


class Stage:
    """One stage's counter; `advance` is safe from any thread (the fetch lanes call it)."""

    def __init__(
        self,
        name: str,
        total: int | None = None,
        *,
        done: int = 0,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger = log,
    ) -> None:
        self.name = name
        self.total = total
        self.done = done
        self._clock = clock
        self._log = logger
        self._lock = threading.Lock()
        self._last_info = clock()

    def start(self, detail: str = "") -> None:
        with self._lock:
            self._last_info = self._clock()
            self._emit(logging.INFO, detail, "started")

    def advance(self, count: int = 1, detail: str = "") -> None:
        """`count` more done; INFO if the last INFO line of this stage is `INFO_EVERY` old."""
        with self._lock:
            self.done += count
            now = self._clock()
            if now - self._last_info >= INFO_EVERY:
                self._last_info = now
                self._emit(logging.INFO, detail, "running")
            else:
                self._emit(logging.DEBUG, detail, "running")

    def reach(self, done: int, detail: str = "") -> None:
        """At least `done` done (a batch's end, whatever its steps counted on the way)."""
        with self._lock:
            missing = done - self.done
        if missing > 0:
            self.advance(missing, detail)

    def finish(self, detail: str = "", *, failed: bool = False) -> None:
        with self._lock:
            self._emit(logging.INFO, detail, "failed" if failed else "finished")

    def _emit(self, level: int, detail: str, state: str) -> None:
        if not self._log.isEnabledFor(level):
            return
        event = ProgressEvent(self.name, self.done, self.total, detail, state)
        self._log.log(level, "%s", event.describe(), extra={"progress": event})


@contextmanager
def stage(
    name: str,
    total: int | None = None,
    *,
    done: int = 0,
    detail: str = "",
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Stage]:
    """A stage logged at its start and its end ('stopped' if the block raised)."""
    current = Stage(name, total, done=done, clock=clock)
    current.start(detail)
    try:
        yield current
    except BaseException:
        current.finish(failed=True)
        raise
    current.finish()


def event_of(record: logging.LogRecord) -> ProgressEvent | None:
    """The progress event a log record carries, if any."""
    event = getattr(record, "progress", None)
    return event if isinstance(event, ProgressEvent) else None
