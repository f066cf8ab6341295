"""Extraction and judging in a pool of worker processes: the records the single-process path
makes, on real pages; a page that brings its worker down is one page's failure.

Pages are real (the Zyte benchmark subset in tests/fixtures/extraction/zyte and the topic pages
in tests/fixtures/pages, on-topic ones included, so relevance is exercised), with a few bad ones
mixed in: an empty body, binary data, a failed fetch. The one fake is at the lowest seam there
is: a page object whose unpickling ends the worker process, standing in for a crash in a C
parser (which no real page can be relied on to cause).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest

from extract.models import ExtractionStatus, FeedEntry, PageFetch
from extract.relevance.terms import TopicTermsError, load_topic_terms
from pipeline import ingest
from pipeline.process import process_article
from pipeline.settings import GAZETTEER, Settings, load_settings
from pipeline.workers import (
    CRASHED,
    ArticleWorkers,
    Job,
    WorkerPoolError,
    article_workers,
    main_imports,
    worker_count,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def real_pages() -> list[tuple[str, bytes]]:
    paths = sorted((FIXTURES / "extraction" / "zyte" / "html").glob("*.html.gz"))[:16]
    paths += sorted((FIXTURES / "pages").glob("*/*.htm*"))
    return [
        (p.name, gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes())
        for p in paths
    ]


def entry(n: int, name: str) -> FeedEntry:
    url = f"http://news.example/{n}/{name}"
    return FeedEntry(
        feed_url="http://news.example/feed.xml",
        entry_key=f"e{n}",
        guid=f"e{n}",
        url=url,
        canonical_url=url,
        title=f"Item {n}",
        summary="Putin and Kim Jong Un met in Pyongyang (feed summary).",
        content=None,
        author=None,
        published_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def page(url: str, body: bytes | None, error: str | None = None) -> PageFetch:
    return PageFetch(url, url, 200 if body else None, body, "text/html; charset=utf-8", error)


def jobs_of(pages: list[tuple[str, bytes]]) -> list[Job]:
    jobs: list[Job] = []
    for n, (name, body) in enumerate(pages):
        e = entry(n, name)
        jobs.append((e, page(e.url or "", body), "Outlet"))
    bad = [(b"", None), (b"\x89PNG\r\n\x1a\n" + os.urandom(64), None), (None, "timed out")]
    for k, (body, error) in enumerate(bad, start=len(jobs)):
        e = entry(k, "bad.html")
        jobs.append((e, page(e.url or "", body, error), None))
    return jobs


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(db=tmp_path_factory.mktemp("w") / "news.duckdb", extract_workers=2)


def test_the_pool_makes_the_records_the_single_process_path_makes(settings: Settings) -> None:
    jobs = jobs_of(real_pages())
    now = datetime.now(UTC)
    terms = load_topic_terms(settings.gazetteer)
    alone = [process_article(e, p, terms=terms, now=now, source=s) for e, p, s in jobs]
    workers = ArticleWorkers(settings.gazetteer, 2)
    try:
        pooled = workers.process(jobs, now=now)
    finally:
        workers.close()
    assert pooled == alone
    statuses = {item.article.status for item in pooled}
    assert ExtractionStatus.OK in statuses and ExtractionStatus.FETCH_FAILED in statuses
    assert any(item.relevance.relevant for item in pooled)  # the on-topic pages


def test_process_articles_is_the_same_with_one_process_or_a_pool(settings: Settings) -> None:
    jobs = jobs_of(real_pages())
    entries = [e for e, _p, _s in jobs]
    pages = [p for _e, p, _s in jobs if p is not None]
    one = ingest.process_articles(load_settings(db=settings.db, extract_workers=1), entries, pages)
    many = ingest.process_articles(settings, entries, pages)
    assert [m.article for m in many] == [o.article for o in one]
    assert [m.relevance for m in many] == [o.relevance for o in one]
    assert [m.page for m in many] == [o.page for o in one]  # bodies kept for re-extraction


class WorkerKiller(PageFetch):
    """Unpickled in a worker, it ends that process at once, as a crash in lxml would."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os._exit, (70,))


def test_a_page_that_kills_its_worker_is_one_pages_failure(settings: Settings) -> None:
    jobs = jobs_of(real_pages()[:6])
    killer_entry = entry(99, "killer.html")
    jobs.insert(3, (killer_entry, WorkerKiller("k", "k", 200, b"<html></html>", None), None))
    now = datetime.now(UTC)
    workers = ArticleWorkers(settings.gazetteer, 2)
    try:
        pooled = workers.process(jobs, now=now)
        again = workers.process(jobs[:3], now=now)  # the pool works after the crash
    finally:
        workers.close()
    assert len(pooled) == len(jobs)
    killed = pooled[3]
    assert killed.article.status is ExtractionStatus.EXTRACT_FAILED
    assert killed.article.reason == CRASHED
    assert killed.article.text == killer_entry.summary  # the feed's text is kept
    others = [p for n, p in enumerate(pooled) if n != 3]
    assert all(p.article.reason != CRASHED for p in others)
    assert [p.article.status for p in others[:3]] == [p.article.status for p in again]
    assert sum(p.article.status is ExtractionStatus.OK for p in others) >= 4


def test_workers_that_cannot_run_at_all_raise_instead_of_failing_every_page(
    settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-gazetteer.toml"  # every worker's initializer fails
    workers = ArticleWorkers(missing, 2)
    try:  # a systemic error surfaces (here the unreadable term data), not six failed pages
        with pytest.raises((WorkerPoolError, TopicTermsError)):
            workers.process(jobs_of(real_pages()[:6]), now=datetime.now(UTC))
    finally:
        workers.close()


def test_the_default_is_one_worker_per_core_and_1_means_this_process(tmp_path: Path) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    default = load_settings(db=tmp_path / "news.duckdb")
    assert default.extract_workers == 0
    assert worker_count(default) == cores
    assert worker_count(load_settings(db=tmp_path / "news.duckdb", extract_workers=3)) == 3
    assert article_workers(load_settings(db=tmp_path / "news.duckdb", extract_workers=1)) is None


# run in a worker: its term cache's (hits, misses, maxsize, currsize) (a CacheInfo does not pickle)
IN_A_WORKER = "tuple(__import__('extract.relevance.terms', fromlist=['_'])._read_once.cache_info())"


def test_a_worker_finds_the_default_term_data_read_by_its_fork_server() -> None:
    """The server read the default term data once (`pipeline.warm_worker`); a worker's start
    finds it in the cache it was forked with (a hit) instead of reading it again (a miss)."""
    workers = ArticleWorkers(GAZETTEER, 1)
    try:
        hits, misses, _most, _size = workers._executor().submit(eval, IN_A_WORKER).result()
    finally:
        workers.close()
    assert (misses, hits) == (1, 1)


def test_the_fork_server_preloads_what_the_commands_script_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "command"
    script.write_text(
        "import json\nimport sys, os.path\nfrom pipeline import ingest\nfrom . import sibling\n"
        "import no_such_module_anywhere\nif __name__ == '__main__':\n    import csv\n",
        encoding="utf-8",
    )
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert main_imports() == ["json", "sys", "os.path", "pipeline"]  # top level, loaded here
    main.__file__ = str(tmp_path / "gone")
    assert main_imports() == []
    del main.__file__  # an interactive session
    assert main_imports() == []


def test_a_poll_starts_the_fork_server_ahead_and_ends_it_when_no_pool_uses_it(
    tmp_path: Path,
) -> None:
    """Through the poll's own callback for each feed answered (`ingest._polled`): a 304 starts
    nothing, the first entries start the server, and it is ended when no pool comes."""
    code = f"""
import os
from extract.models import FeedPollResult, PollStatus
from pipeline import ingest, progress
from pipeline.settings import load_settings
from pipeline.workers import _server_pid, article_workers, stop_unused_fork_server
from tests.pipeline.test_workers import entry

def settings(workers):
    return load_settings(db={str(tmp_path / "n.duckdb")!r}, extract_workers=workers)

def answered(workers, *entries):
    status = PollStatus.OK if entries else PollStatus.NOT_MODIFIED
    result = FeedPollResult("http://news.example/feed.xml", status, entries=entries)
    ingest._polled(settings(workers), result, progress.Stage("poll-sources"))
    return _server_pid() is not None

print(answered(2), answered(1, entry(1, "a")))  # a 304; one process asked for: no server
print(answered(2, entry(1, "a")))
first = _server_pid()
stop_unused_fork_server()  # no pool came: it is ended, and reaped
print(_server_pid() is not None, os.path.exists(f"/proc/{{first}}"))
answered(2, entry(2, "b"))
workers = article_workers(settings(2))
workers.warm()
print(workers.process([], now=None) == [])
stop_unused_fork_server()  # a pool uses this one: it stays
print(_server_pid() is not None)
workers.close()
"""
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "False", "True", "False", "False", "True", "True"]
