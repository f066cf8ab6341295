"""What every extraction worker needs, loaded once: the module the pool's fork server preloads.

`pipeline.workers` starts its processes from a fork server (`multiprocessing`'s `forkserver`
start method) that imports this module once; each worker is then a fork of that server and
finds trafilatura, lxml, the judge, py3langid's model and the default term data already in
memory, instead of a fresh interpreter importing and reading them per worker. (The server also
imports what the command's script imports: see `pipeline.workers.main_imports`.) Importing it
anywhere else costs the same imports and loads, nothing more.
"""

from __future__ import annotations

from contextlib import suppress

import py3langid

import pipeline.process  # noqa: F401  (extraction and judging: trafilatura, lxml, the terms)
from extract.relevance.terms import TopicTermsError, cached_topic_terms
from pipeline.settings import GAZETTEER

py3langid.classify("the model is loaded on first use: here, once for every worker")
with suppress(TopicTermsError):  # a broken file is the command's to report, not the server's
    cached_topic_terms(GAZETTEER)  # the default term data; a worker given another reads it
