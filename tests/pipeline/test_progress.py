"""Progress events: a stage logs INFO at its start, its end and at most every two seconds, DEBUG
in between; a real poll of the local site counts its feeds and pages through the fetch lanes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pipeline.poll import run_poll
from pipeline.progress import LOGGER_NAME, ProgressEvent, Stage, event_of, stage
from pipeline.settings import load_settings
from testkit.localsite import LocalSite
from testkit.newssite import ARTICLES, feed_list, install


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def events(caplog: pytest.LogCaptureFixture) -> list[tuple[int, ProgressEvent]]:
    found = [(r.levelno, event_of(r)) for r in caplog.records if r.name == LOGGER_NAME]
    return [(level, event) for level, event in found if event is not None]


def test_a_stage_logs_info_at_start_end_and_every_two_seconds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    clock = Clock()
    with stage("poll: pages", 5, clock=clock) as pages:
        pages.advance(detail="a.example")  # at once: DEBUG
        clock.now += 1.9
        pages.advance()  # 1.9 s after the start: still DEBUG
        clock.now += 0.2
        pages.advance(detail="b.example")  # 2.1 s: INFO
        clock.now += 1.0
        pages.reach(5)  # a batch's end: the rest at once
    seen = [(level, e.done, e.state, e.detail) for level, e in events(caplog)]
    assert seen == [
        (logging.INFO, 0, "started", ""),
        (logging.DEBUG, 1, "running", "a.example"),
        (logging.DEBUG, 2, "running", ""),
        (logging.INFO, 3, "running", "b.example"),
        (logging.DEBUG, 5, "running", ""),
        (logging.INFO, 5, "finished", ""),
    ]
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert lines == ["poll: pages 0/5", "poll: pages 3/5 · b.example", "poll: pages 5/5 done"]


def test_a_stage_that_raises_says_it_stopped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    with pytest.raises(RuntimeError), stage("backfill rescore: articles", 10, done=4) as counter:
        counter.advance(2)
        raise RuntimeError("database gone")
    last = events(caplog)[-1][1]
    assert (last.done, last.state, last.describe()) == (
        6,
        "failed",
        "backfill rescore: articles 6/10 stopped",
    )


def test_nothing_is_logged_when_no_one_listens(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)
    counter = Stage("digest", 4)
    counter.start()
    counter.advance()
    counter.finish()
    assert events(caplog) == [] and counter.done == 1


def test_a_poll_counts_feeds_and_pages_as_the_lanes_finish_them(
    local_site: LocalSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    feeds = tmp_path / "feeds.toml"
    urls = install(local_site)
    feeds.write_text(feed_list(urls), encoding="utf-8")
    settings = load_settings(
        db=tmp_path / "news.duckdb", feeds=feeds, allow_private_networks=True, extract_workers=1
    )
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    run_poll(settings, force=False, run_id="progress")
    by_stage: dict[str, list[ProgressEvent]] = {}
    for _level, event in events(caplog):
        by_stage.setdefault(event.stage, []).append(event)
    assert set(by_stage) == {"poll: feeds", "poll: pages"}
    feed_events = by_stage["poll: feeds"]
    # one event per feed, from the lane that polled it, named by its host
    assert [e.done for e in feed_events if e.state == "running"] == list(range(1, len(urls) + 1))
    assert all(e.detail == "127.0.0.1" for e in feed_events if e.state == "running")
    assert feed_events[-1].state == "finished" and feed_events[-1].total == len(urls)
    page_events = by_stage["poll: pages"]
    pages = len(ARTICLES) + 1  # and the gone page
    assert page_events[0].total == pages and page_events[-1].done == pages
    assert page_events[-1].state == "finished"
    running = [e.done for e in page_events if e.state == "running"]
    assert running == sorted(running) and len(running) >= pages  # a step per page fetched
