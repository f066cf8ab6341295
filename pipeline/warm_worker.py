"""What every extraction worker needs, loaded once: the module the pool's fork server preloads.

`pipeline.workers` starts its processes from a fork server (`multiprocessing`'s `forkserver`
start method) that imports this module once; each worker is then a fork of that server and
finds trafilatura, lxml, the judge and py3langid's model already in memory, instead of a
fresh interpreter importing them (and re-running the command's script as `__main__`) per
worker. Importing it anywhere else costs the same imports and the model load, nothing more.
"""

from __future__ import annotations

import py3langid

import pipeline.process  # noqa: F401  (extraction and judging: trafilatura, lxml, the terms)

py3langid.classify("the model is loaded on first use: here, once for every worker")
