"""`cap_arenas` does what MALLOC_ARENA_MAX=2 does: threads that allocate share two arenas
(counted by glibc's own malloc_info) instead of getting one each; the operator's variable wins."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

COUNT_ARENAS = """
import ctypes, sys, tempfile, threading
from pipeline.malloc import cap_arenas
capped = cap_arenas() if sys.argv[1] == "cap" else False
together = threading.Barrier(6)
def allocate():
    kept = [bytearray(4096) for _ in range(200)]  # above pymalloc's sizes: glibc malloc
    together.wait()  # every thread alive at once: none hands its arena on by ending
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = (ctypes.c_char_p, ctypes.c_char_p)
libc.malloc_info.argtypes = libc.fclose.argtypes = None
threads = [threading.Thread(target=allocate) for _ in range(6)]
for t in threads: t.start()
for t in threads: t.join()
with tempfile.NamedTemporaryFile(suffix=".xml") as out:
    fp = libc.fopen(out.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(fp))
    libc.fclose(ctypes.c_void_p(fp))
    print(capped, open(out.name).read().count("<heap nr="))
"""


def arenas(mode: str, **env: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", COUNT_ARENAS, mode],
        capture_output=True,
        text=True,
        check=True,
        env={**{k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}, **env},
    )
    capped, count = done.stdout.split()
    return capped, int(count)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_threads_share_two_arenas_once_capped() -> None:
    assert arenas("cap") == ("True", 2)
    free, count = arenas("free")
    assert free == "False" and count > 2  # one per thread, as before
    assert arenas("cap", MALLOC_ARENA_MAX="4")[0] == "False"  # the operator's setting stands
