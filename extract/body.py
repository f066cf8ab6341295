"""Reading a response body in bounded steps: Content-Encoding decoded here, size and time capped.

    body = read_body(response.iter_raw(), Decoder("gzip"), limit, url, deadline, total_timeout)

The decoder never yields more than `CHUNK` bytes per step, so a compression bomb is cut as
early as a plain huge body; `extract.fetch` is the only caller.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from extract.errors import FetchTimeout, ResponseTooLarge

CHUNK = 64 * 1024


class Decoder:
    """Content-Encoding decoding in bounded steps: never more than `CHUNK` bytes out per step."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._zlib: Any = None
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = None  # zlib-wrapped or raw: decided on the first bytes
        elif encoding not in ("", "identity"):
            raise zlib.error(f"unsupported Content-Encoding {encoding!r}")

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._encoding in ("", "identity"):
            if data:
                yield data
            return
        if self._zlib is None:  # deflate: zlib-wrapped (RFC 1950, as specified) or raw (common)
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            raw = not wrapped
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        while data:
            out = self._zlib.decompress(data, CHUNK)
            if out:
                yield out
            data = self._zlib.unconsumed_tail
            if self._zlib.eof and self._zlib.unused_data:
                rest = self._zlib.unused_data  # another gzip member follows
                if self._encoding == "deflate" or not rest.strip(b"\x00"):
                    return
                self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
                data = rest

    def flush(self) -> bytes:
        if self._zlib is None:
            return b""
        return bytes(self._zlib.flush())


def read_body(
    chunks: Iterable[bytes],
    decoder: Decoder,
    limit: int,
    url: str,
    deadline: float,
    total_timeout: float,
) -> bytes:
    """The decoded body, refused past `limit` bytes (counted after decoding) or past `deadline`."""
    parts: list[bytes] = []
    size = 0

    def add(piece: bytes) -> None:
        nonlocal size
        size += len(piece)
        if size > limit:
            raise ResponseTooLarge(limit, url=url)
        parts.append(piece)

    for raw in chunks:
        for piece in decoder.feed(raw):
            add(piece)
        if time.monotonic() > deadline:
            raise FetchTimeout(f"gave up after the total limit of {total_timeout:g} s", url=url)
    tail = decoder.flush()
    if tail:
        add(tail)
    return b"".join(parts)
