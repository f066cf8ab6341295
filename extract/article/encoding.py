"""HTML bytes to text: the encoding a browser would pick, and the page decoded with it.

`decode_html` tries, in order: a byte-order mark; strict UTF-8; the HTTP charset; the `<meta>`
charset; statistical detection (charset_normalizer through trafilatura); finally the declared or
windows-1252 encoding with replacement characters. Declared labels are mapped the way browsers
map them (WHATWG Encoding Standard). Pure; `decode_html` never raises on bad bytes. `page_source`
is the step before the parser: the body decoded, cut to a cap, refused (`NotAPage`) when empty or
binary, by checks that cost little on a large page (no copy of it for the emptiness test, a regex
count of control characters in its first 8 KB).
"""

from __future__ import annotations

import codecs
import logging
import re
import zlib
from typing import Final

from trafilatura.utils import detect_encoding

log = logging.getLogger(__name__)

_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """The page as text and the name of the encoding used.

    Order: byte-order mark; valid UTF-8 (whatever is declared: a page that decodes as UTF-8 is
    UTF-8, and many declare iso-8859-1 wrongly); the HTTP charset; the `<meta>` charset;
    statistical detection (charset_normalizer through trafilatura); finally the declared or
    windows-1252 encoding with replacement characters. Declared names are mapped the way
    browsers do (gb2312 -> gb18030, euc-kr -> cp949, iso-8859-1 -> cp1252). A multi-byte
    character cut at the end (a truncated body) is dropped, not counted as an error.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), encoding
    utf8 = _strict_decode(data, "utf-8")
    if utf8 is not None:
        return utf8, "utf-8"
    declared = [_charset_from_content_type(content_type), _charset_from_meta(data)]
    candidates: list[str] = [c for c in declared if c]
    try:
        candidates += detect_encoding(data)
    except Exception:  # a detector bug must not lose the page
        log.debug("charset detection failed", exc_info=True)
    for name in candidates:
        codec = _python_codec(name)
        decoded = _strict_decode(data, codec) if codec else None
        if codec and decoded is not None:
            return decoded, codec
    fallback = next((e for e in map(_python_codec, declared) if e), None) or "cp1252"
    return data.decode(fallback, errors="replace"), fallback


_META_CHARSET: Final = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE
)
_CT_CHARSET: Final = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
# What browsers actually use for these labels (WHATWG Encoding Standard).
_ALIASES: Final = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "windows-949": "cp949",
    "x-windows-949": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "big5": "big5hkscs",
    "x-mac-cyrillic": "mac-cyrillic",
    "utf8": "utf-8",
}


def _charset_from_content_type(content_type: str | None) -> str | None:
    match = _CT_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _charset_from_meta(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:16384])
    return match.group(1).decode("ascii", errors="ignore") if match else None


def _python_codec(name: str | None) -> str | None:
    if not name:
        return None
    label = name.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    # a page that declares UTF-16/32 but has no BOM is ASCII-compatible in practice
    return None if codec.startswith(("utf-16", "utf-32")) else codec


def _strict_decode(data: bytes, encoding: str) -> str | None:
    """`data` decoded without errors, allowing a multi-byte character cut off at the very end."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:
            try:
                return data[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        return None
    except LookupError:
        return None


class NotAPage(ValueError):
    """The body is no HTML page (empty, binary, a corrupt gzip); the message says which."""


_GZIP_MAGIC: Final = b"\x1f\x8b"
_BINARY_MAGIC: Final = {
    b"%PDF-": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP archive",
    b"RIFF": "a RIFF (WebP/WAV/AVI) file",
}
# control characters other than tab, line feed, form feed and carriage return; U+FFFD
_CONTROL: Final = re.compile("[\x01-\x08\x0b\x0e-\x1f\ufffd]")


def page_source(html: bytes | str, content_type: str | None, cap: int) -> str:
    """The page as a str without NUL characters, cut to its first `cap` bytes (or characters,
    if given a str); raises `NotAPage` for an empty or binary body. A gzip body served without
    Content-Encoding is inflated (to at most `cap + 1` bytes) first."""
    if isinstance(html, str):
        text = html[:cap]
    else:
        data = html
        if data.startswith(_GZIP_MAGIC):
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                data = inflater.decompress(data, cap + 1)
            except zlib.error as exc:
                raise NotAPage(f"corrupt gzip body: {exc}") from exc
        for magic, what in _BINARY_MAGIC.items():
            if data.startswith(magic):
                raise NotAPage(f"not an HTML page ({what})")
        text, _ = decode_html(data[:cap], content_type)
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text or text.isspace():  # not .strip(): it would copy the whole page
        raise NotAPage("empty page")
    if _looks_binary(text):
        raise NotAPage("not an HTML page (binary data)")
    return text


def _looks_binary(text: str) -> bool:
    """Control characters (other than whitespace) in more than 5% of the first 8 KB."""
    head = text[:8192]
    return len(_CONTROL.findall(head)) > 0.05 * len(head)
