"""What a command shows while it works: bars on a terminal, quiet named lines elsewhere, and on
stderr neither Prefect's run-state chatter nor httpx's request lines unless `--debug`."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from rich.console import Console

from newswatch.display import OWN_LOGGERS, progress_display, setup_logging
from pipeline.progress import LOGGER_NAME, stage


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_stage(clock: Clock) -> None:
    with stage("poll: pages", 3, clock=clock) as pages:
        pages.advance(detail="a.example")
        clock.now += 2.5
        pages.advance(detail="b.example")
        pages.advance(detail="c.example")


@pytest.fixture
def clean_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in (*OWN_LOGGERS, LOGGER_NAME)}
    # A test run earlier in this process may have set up Prefect's logging (its handlers and
    # formatters on the root and prefect loggers): these tests see only what setup_logging builds.
    prefect = [
        logger
        for name, logger in logging.root.manager.loggerDict.items()
        if name.split(".")[0] == "prefect" and isinstance(logger, logging.Logger)
    ]
    saved = [(lg, list(lg.handlers), lg.propagate, lg.level) for lg in prefect]
    for lg in prefect:
        lg.handlers[:], lg.propagate, lg.level = [], True, logging.NOTSET
    root.handlers[:] = []
    yield
    for lg, lg_handlers, propagate, lg_level in saved:
        lg.handlers[:], lg.propagate, lg.level = lg_handlers, propagate, lg_level
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def test_off_a_terminal_progress_is_a_few_named_lines(clean_logging: None) -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=False, width=100)
    with progress_display(console):
        assert not console.is_terminal
        run_stage(Clock())
    assert stream.getvalue().splitlines() == [
        "poll: pages 2/3 · b.example",  # the INFO step, 2.5 s in; the DEBUG ones are not shown
        "poll: pages 3/3 done",
    ]


def test_on_a_terminal_progress_is_a_bar_per_stage(clean_logging: None) -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)
    with progress_display(console):
        run_stage(Clock())
        with stage("digest", 4) as steps:
            steps.advance(detail="stories assigned")
    text = stream.getvalue()
    assert "poll: pages" in text and "3/3" in text
    assert "digest" in text and "1/4" in text and "4/4" not in text


def emit_all() -> None:
    for name, level in [
        ("prefect.task_runs", logging.INFO),
        ("prefect.flow_runs", logging.WARNING),
        ("httpx", logging.INFO),
        ("pipeline.ingest", logging.INFO),
        ("pipeline.ingest", logging.DEBUG),
        ("extract.fetch", logging.WARNING),
    ]:
        logging.getLogger(name).log(level, "from %s", name)
    logging.getLogger(LOGGER_NAME).warning("progress record")


@pytest.mark.parametrize(
    ("verbosity", "debug", "shown"),
    [
        (0, False, ["prefect.flow_runs", "extract.fetch"]),
        (1, False, ["prefect.flow_runs", "pipeline.ingest", "extract.fetch"]),
        (2, False, ["prefect.flow_runs", "pipeline.ingest", "pipeline.ingest", "extract.fetch"]),
        (
            0,
            True,
            [
                "prefect.task_runs",
                "prefect.flow_runs",
                "httpx",
                "pipeline.ingest",
                "pipeline.ingest",
                "extract.fetch",
            ],
        ),
    ],
)
def test_stderr_shows_our_modules_by_verbosity_and_prefect_only_with_debug(
    clean_logging: None,
    capsys: pytest.CaptureFixture[str],
    verbosity: int,
    debug: bool,
    shown: list[str],
) -> None:
    setup_logging(verbosity, debug=debug)
    emit_all()
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" from ")[-1] for line in lines] == shown, lines
