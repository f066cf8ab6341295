"""A feed's bytes to text: gzip, byte-order marks, declared and detected encodings, XML clean-up.

    text, encoding, notes = decode_xml(body, http_charset="windows-1251")
    prepared, cut_lines = prepare_xml(text)      # UTF-8-ready text for the XML parser

Pure. The order of the evidence (byte-order mark; UTF-16 without BOM; valid UTF-8 over a contrary
declaration; the declaration, then the HTTP charset, whichever decodes cleanly; detection among
`DETECT_CANDIDATES`; windows-1252) is explained in `extract.feeds.parse`.
"""

from __future__ import annotations

import codecs
import re
import zlib
from html.entities import html5

from extract.errors import FeedParseError

MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024


# fmt: off
DETECT_CANDIDATES = (
    "cp1252", "cp1251", "koi8_r", "iso8859_7", "cp1256", "cp1255", "cp1254",
    "euc_kr", "cp949", "gb18030", "big5", "shift_jis", "euc_jp",
)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


_DECLARED = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']""")


_XML_DECL = re.compile(r"<\?xml\s[^>]*?\?>|<\?xml\?>", re.DOTALL)


_DECL_ENCODING = re.compile(r"""(encoding\s*=\s*)(["'])[^"']*\2""")


_PROLOG_JUNK = re.compile(r"(?:\s|\ufeff|<!--.*?-->)*", re.DOTALL)


ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def codec_name(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def gunzip(body: bytes) -> bytes:
    out: list[bytes] = []
    size = 0
    data = body
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            while data:
                piece = inflater.decompress(data, 1024 * 1024)
                size += len(piece)
                if size > MAX_DECOMPRESSED_BYTES:
                    raise FeedParseError(
                        f"gzip body expands beyond {MAX_DECOMPRESSED_BYTES:,} bytes"
                    )
                out.append(piece)
                data = inflater.unconsumed_tail
                if inflater.eof:
                    break
        except zlib.error as exc:
            if out:  # a truncated stream: keep what came out
                break
            raise FeedParseError(f"corrupt gzip body: {exc}") from exc
        data = inflater.unused_data if inflater.eof else b""
        if not data.strip(b"\x00"):
            break
    return b"".join(out)


def _utf32_without_bom(head: bytes) -> str | None:
    """UTF-32 of mostly ASCII text: three NULs in every group of four, the fourth byte not."""
    head = head[: len(head) // 4 * 4]
    if len(head) < 16:
        return None
    groups = [head[i : i + 4] for i in range(0, len(head), 4)]
    if all(g[1:] == b"\0\0\0" and g[0] for g in groups[:4]):
        return "utf-32-le"
    if all(g[:3] == b"\0\0\0" and g[3] for g in groups[:4]):
        return "utf-32-be"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= len(odd) * 3 // 4 and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= len(even) * 3 // 4 and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _detect(body: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset_normalizer comes with trafilatura
        return None
    best = from_bytes(body, cp_isolation=list(DETECT_CANDIDATES)).best()
    return codec_name(best.encoding) if best is not None else None


def decode_xml(body: bytes, http_charset: str | None = None) -> tuple[str, str, list[str]]:
    """(text, encoding used, notes) for an XML document's bytes; see the module docstring."""
    notes: list[str] = []
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace"), name, notes
    sniffed = _utf32_without_bom(body[:256]) or _utf16_without_bom(body[:256])
    if sniffed:
        return body.decode(sniffed, "replace"), sniffed, notes
    match = _DECLARED.search(body[:2048])
    declared_name = match.group(1).decode("ascii") if match else None
    declared = codec_name(declared_name)
    if declared_name and declared is None:
        notes.append(f"unknown encoding {declared_name!r} declared")
    header = codec_name(http_charset)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not body.isascii() and declared not in (None, "utf-8"):
            notes.append(f"declared {declared_name} but the bytes are UTF-8")
        return text, "utf-8", notes
    for candidate in dict.fromkeys(c for c in (declared, header) if c):
        if candidate.startswith(("utf-16", "utf-32")):
            continue  # no BOM and no NUL pattern: cannot be right
        try:
            return body.decode(candidate), candidate, notes
        except UnicodeDecodeError:
            notes.append(f"bytes are not valid {candidate}")
    detected = _detect(body)
    if detected:
        if declared or header:
            notes.append(f"decoded as {detected} (detected)")
        return body.decode(detected, "replace"), detected, notes
    try:
        return body.decode("cp1252"), "cp1252", notes
    except UnicodeDecodeError:
        return body.decode("latin-1"), "latin-1", notes


def prepare_xml(text: str) -> tuple[str, int]:
    """Text ready for feedparser as UTF-8, and how many lines were cut from its start."""
    cut_lines = 0
    junk = _PROLOG_JUNK.match(text)
    if junk and junk.end() and text.startswith("<?xml", junk.end()):
        cut_lines = text.count("\n", 0, junk.end())
        text = text[junk.end() :]
    else:
        text = text.lstrip("\ufeff \t\r\n")
    decl = _XML_DECL.match(text)
    if decl:
        fixed = _DECL_ENCODING.sub(r'\1"utf-8"', decl.group(0))
        text = fixed + text[decl.end() :]
    return html_entities_as_numbers(ILLEGAL_XML.sub("", text)), cut_lines


_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTITY_OR_CDATA = re.compile(r"<!\[CDATA\[.*?\]\]>|<!DOCTYPE[^>\[]*\[.*?\]\s*>|&([A-Za-z][A-Za-z0-9]{1,31});", re.S)


def html_entities_as_numbers(text: str) -> str:
    """HTML named entities (`&ocirc;`, `&nbsp;`), undefined in XML, as character references.

    Feeds written by HTML tools use them; an XML parser stops at the first ("undefined entity").
    CDATA sections, XML's own five and a DOCTYPE's internal subset (its own declarations) are left
    alone; an unknown name stays as it is, for the parser to report.
    """
    if "&" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None or name in _XML_ENTITIES:
            return match.group(0)
        char = html5.get(name + ";")
        if char is None:
            return match.group(0)
        return "".join(f"&#x{ord(c):X};" for c in char)

    return _ENTITY_OR_CDATA.sub(replace, text)
