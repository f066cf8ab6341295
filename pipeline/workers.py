"""Extraction and judging on every core: a pool of warm worker processes.

    workers = article_workers(settings)            # None when one process is asked for
    items = workers.process(jobs, now=now)         # the same records `process_article` makes
    features = workers.text_features(rows)         # what the story model reads of each text

Each worker is started once per command (a `concurrent.futures.ProcessPoolExecutor` on the
`forkserver` context: workers are forks of one server process that imported the extraction code
and loaded the language model once, `pipeline.warm_worker`, so no worker is forked from a
process with Prefect's threads running and none pays a fresh interpreter's imports; the server
ends with the command, and a worker within a second of losing its parent, SIGKILL included).
Its initializer finds the term data read by the server (another file than the default is read
once per worker); `warm()` starts the workers ahead of the first pages.
Jobs then go out in chunks, in order, and come back as
the very records the single-process path makes (`pipeline.process.process_article`, same `now`).
Page bodies travel to the workers but not back: the parent puts each page back on its record.

Failures stay one page's: `process_article` never raises on a bad page, and should a page bring
its worker down (a crash in a C parser, the out-of-memory killer), the pool is restarted, the
chunk's pages are retried one at a time, and the page that breaks a worker again is kept as its
feed text with status `extract_failed` and the reason. Pools that die on page after page (workers
that cannot start at all) raise `WorkerPoolError`: that is systemic, not the pages' fault.
"""

from __future__ import annotations

import ast
import atexit
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from multiprocessing import forkserver
from multiprocessing.context import ForkServerContext
from pathlib import Path

from extract.article.extraction import article_from_feed
from extract.models import ExtractionStatus, FeedEntry, PageFetch, ProcessedArticle
from extract.relevance.terms import TopicTerms, cached_topic_terms
from pipeline.process import judge_article, process_article
from pipeline.settings import Settings
from reports.select import ArticleRow
from reports.stories.entities import EntityReader
from reports.stories.profile import TextFeatures, text_features

log = logging.getLogger(__name__)

Job = tuple[FeedEntry, PageFetch | None, str | None]  # entry, its page, the outlet's name
CRASHED = "extraction crashed its worker process"
CHUNKS_PER_WORKER = 4  # enough chunks to even out slow pages, few enough to keep IPC small
MAX_CHUNK = 16

WARM_MODULE = "pipeline.warm_worker"
MAX_BREAKS_IN_A_ROW = 3
OWNER_CHECK_SECONDS = 0.5

_terms: TopicTerms | None = None  # per worker process, set once by `_start_worker`
_unused_server = False  # a fork server started ahead (`start_fork_server`) that no pool used
_server_lock = threading.Lock()
_reader: EntityReader | None = None  # per worker process, made at its first features job


class WorkerPoolError(RuntimeError):
    """The worker processes cannot run at all (a systemic failure, not one page's)."""


def _start_worker(gazetteer: str) -> None:
    global _terms
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _terms = cached_topic_terms(gazetteer)


def _exit_with_parent(parent: int) -> None:
    """A worker outlives no command: once its parent is gone (the fork server, which ends with
    the command, even one killed by SIGKILL; the worker is then handed to another parent), it
    ends."""
    while os.getppid() == parent:
        time.sleep(OWNER_CHECK_SECONDS)
    os._exit(1)


def _start_all(pool: ProcessPoolExecutor, workers: int) -> None:
    with suppress(BrokenProcessPool, RuntimeError):  # broken or closed: its next job says so
        for _ in range(workers):
            pool.submit(os.getpid)  # a no-op job: the pool starts a worker for it


def _context() -> multiprocessing.context.BaseContext:
    """The fork server context (`spawn` where there is none). The server imports `WARM_MODULE`
    and what the command's script imports, once for all workers."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([WARM_MODULE, *main_imports()])
    return context


def main_imports() -> list[str]:
    """The modules the command's script (`__main__`) imports at its top, among those this
    process has loaded.

    Every worker runs that script again, as `__mp_main__`: Python 3.11's fork server never
    preloads `__main__` itself (its `main_path` is never passed: `spawn` names it
    `init_main_from_path`), so a preload of `"__main__"` does nothing, and each worker paid
    about half a second importing the CLI again. With the script's own imports preloaded in
    the server, that re-run finds them done."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path:
        return []
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return [name for name in dict.fromkeys(names) if name in sys.modules]


def _run_chunk(jobs: Sequence[Job], now: datetime) -> list[ProcessedArticle]:
    assert _terms is not None, "worker started without its term data"
    return [
        replace(process_article(entry, page, terms=_terms, now=now, source=source), page=None)
        for entry, page, source in jobs
    ]


def _read_features(rows: Sequence[ArticleRow]) -> list[TextFeatures]:
    global _reader
    assert _terms is not None, "worker started without its term data"
    if _reader is None:
        _reader = EntityReader(_terms)
    return [text_features(row, _reader) for row in rows]


def worker_count(settings: Settings) -> int:
    """`extract_workers`, or with 0 one per core this process may run on."""
    if settings.extract_workers:
        return settings.extract_workers
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


class ArticleWorkers:
    """A pool of warm processes that extract and judge articles; close it when done."""

    def __init__(self, gazetteer: Path, workers: int) -> None:
        self.gazetteer = str(gazetteer)
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._breaks = 0  # pools broken in a row by single jobs

    def _executor(self) -> ProcessPoolExecutor:
        global _unused_server
        if self._pool is None:
            _unused_server = False
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=_context(),
                initializer=_start_worker,
                initargs=(self.gazetteer,),
            )
        return self._pool

    def warm(self) -> None:
        """Start every worker now, in the background (a fork server answers only once it has
        loaded what workers need), so that they are ready by the time the first pages are: a
        poll calls it before it fetches pages."""
        threading.Thread(
            target=_start_all, args=(self._executor(), self.workers), daemon=True
        ).start()

    def process(self, jobs: Sequence[Job], *, now: datetime) -> list[ProcessedArticle]:
        """The processed record of every job, in order, as `process_article` makes it."""
        if not jobs:
            return []
        size = max(1, min(MAX_CHUNK, -(-len(jobs) // (self.workers * CHUNKS_PER_WORKER))))
        chunks = [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]
        futures: list[Future[list[ProcessedArticle]]] = []
        pool = self._executor()
        with suppress(BrokenProcessPool):  # chunks without a future are retried one by one
            for chunk in chunks:
                futures.append(pool.submit(_run_chunk, chunk, now))
        results: list[ProcessedArticle] = []
        for n, chunk in enumerate(chunks):
            try:
                results += futures[n].result()
            except (BrokenProcessPool, IndexError):
                if self._pool is pool:  # the first chunk to see the break restarts the pool
                    self._restart()
                results += [self._one(job, now) for job in chunk]
        pages = [page for _entry, page, _source in jobs]
        return [replace(item, page=page) for item, page in zip(results, pages, strict=True)]

    def text_features(self, rows: Sequence[ArticleRow]) -> list[TextFeatures]:
        """What the story model reads of each row's text (`text_features`), in order. Reading
        is pure: should the pool break, the rest is read in this process."""
        size = max(1, -(-len(rows) // (self.workers * CHUNKS_PER_WORKER)))
        chunks = [list(rows[i : i + size]) for i in range(0, len(rows), size)]
        pool = self._executor()
        results: list[TextFeatures] = []
        try:
            futures = [pool.submit(_read_features, chunk) for chunk in chunks]
            for future in futures:
                results += future.result()
        except BrokenProcessPool:
            self._restart()
            reader = EntityReader(cached_topic_terms(self.gazetteer))
            results += [text_features(row, reader) for row in rows[len(results) :]]
        return results

    def _one(self, job: Job, now: datetime) -> ProcessedArticle:
        """One job in a pool of its own making; a job that breaks a worker again is kept failed.
        Pools that break on job after job are not the pages' doing: that raises."""
        try:
            item = self._executor().submit(_run_chunk, [job], now).result()[0]
        except BrokenProcessPool:
            self._restart()
            self._breaks += 1
            if self._breaks >= MAX_BREAKS_IN_A_ROW:
                raise WorkerPoolError(
                    f"{self._breaks} extraction worker pools in a row died on single pages: "
                    "the workers cannot run (see the errors above)"
                ) from None
        else:
            self._breaks = 0
            return item
        entry, _page, source = job
        log.warning("%s: %s", entry.url, CRASHED)
        article = article_from_feed(entry, ExtractionStatus.EXTRACT_FAILED, CRASHED)
        return ProcessedArticle(
            article=article,
            relevance=judge_article(
                article, summary=entry.summary, terms=cached_topic_terms(self.gazetteer)
            ),
            entry=entry,
            feed_url=entry.feed_url or None,
            source=source or entry.source,
            summary=entry.summary,
        )

    def _restart(self) -> None:
        log.warning("an extraction worker died; restarting the pool")
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_shared: dict[tuple[str, int], ArticleWorkers] = {}


def article_workers(settings: Settings) -> ArticleWorkers | None:
    """This process's pool for the settings (started on first use, closed at exit), or None
    when one process is asked for (`NEWSWATCH_EXTRACT_WORKERS=1`) or there is one core (the
    default, 0, is one worker per core)."""
    count = worker_count(settings)
    if count <= 1:
        return None
    key = (str(settings.gazetteer), count)
    if key not in _shared:
        log.info("extracting and judging pages on %d worker processes", count)
        _shared[key] = ArticleWorkers(settings.gazetteer, count)
        atexit.register(_shared[key].close)
    return _shared[key]


def start_fork_server(settings: Settings) -> None:
    """Have the fork server import and load what workers need (about 1.5 s) from now on, while
    this process goes on, when the settings ask for a pool: a poll calls it as soon as a feed
    brings entries (from any thread), so the workers can start as soon as it knows pages are
    coming; `stop_unused_fork_server` once it knows none are."""
    global _unused_server
    if worker_count(settings) <= 1 or not isinstance(_context(), ForkServerContext):
        return
    with _server_lock:
        if _server_pid() is None:
            forkserver.ensure_running()
            _unused_server = True


def stop_unused_fork_server() -> None:
    """End the server `start_fork_server` began if no pool has used it: still loading, it would
    outlive the command by a second or so, holding its output open (a caller reading that
    output, a pipe or a scheduler, would wait for it). A later pool starts another."""
    global _unused_server
    with _server_lock:
        pid = _server_pid()
        if _unused_server and pid is not None:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            forkserver._forkserver._stop()  # type: ignore[attr-defined]  # reaps and forgets it
        _unused_server = False


def _server_pid() -> int | None:
    """The process id of this process's fork server (CPython has one, and keeps its id and
    `_stop`, from 3.8 to 3.13: `tests/pipeline/test_workers.py` fails should that change)."""
    pid: int | None = getattr(forkserver._forkserver, "_forkserver_pid", None)
    return pid


def close_shared_workers() -> None:
    """Close this process's pools now. A process started by `multiprocessing` must, before it
    returns: its exit joins its children and runs no `atexit` hooks, so it would wait forever
    for workers that wait for work."""
    for workers in _shared.values():
        workers.close()
