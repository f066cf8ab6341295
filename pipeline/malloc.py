"""Fewer malloc arenas in a long poll's main process: resident memory that stays bounded.

glibc gives threads that allocate at once arenas of their own (up to 8 per core) and keeps what is
freed in an arena for that arena. In a poll the main process runs the fetching thread, the
extraction thread, DuckDB's threads and a new DuckDB connection per batch; each connection's
memory, freed on close, was kept scattered over arenas, and a 10,000-page poll into a million
stored articles peaked at 1,047 MB, against 831 MB with two arenas (`bench.scale --new-pages
10000 --new-pages-only`, docs/benchmarks/scale.md). `cap_arenas` is `MALLOC_ARENA_MAX=2` set from
inside the process (mallopt), for commands whose environment the operator does not write; Prefect
workers' flow runs get the variable itself from prefect.yaml. A no-op off glibc, or when the
operator set MALLOC_ARENA_MAX.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
ARENAS = 2


def cap_arenas(arenas: int = ARENAS) -> bool:
    """At most `arenas` malloc arenas from now on in this process (and its forks); True if set."""
    if not sys.platform.startswith("linux") or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_ARENA_MAX, arenas))
