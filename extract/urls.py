r"""URL canonicalisation, redirect unwrapping and the identities a feed entry is known by.

    canonicalize_url("HTTPS://Example.COM:443/a/./b/../News?utm_source=rss&id=7#top")
        -> "https://example.com/a/News?id=7"
    unwrap_redirect("https://www.google.com/url?rct=j&sa=t&url=https://site.example/a&ct=ga")
        -> "https://site.example/a"
    entry_keys("urn:x:1", "https://site.example/a", "Title", published, feed_url=feed)
        -> ["guid:urn:x:1 @ <feed>", "url:https://site.example/a", "title:<hash>"]

Canonical form: the article's identity, not a link to fetch (the stored link stays as
published). RFC 3986 normalisation, then what the best feed readers fold:

* `repair_link` first: backslashes as slashes (`http:\\host\x`), a scheme with one, none or too
  many slashes (`http:/host/x`, `https:host/x`), a doubled scheme (`http://http://host/x`), an
  entity left in the query (`&amp;`, `&#038;`), a URL glued behind another (courlan's
  `scrub_url` picks the right one); a link with no usable host is refused (None);
* scheme and host lower-cased, a trailing dot on the host dropped, default ports (http 80,
  https 443) and empty ports dropped, an empty http(s) path becomes "/";
* for http(s), one identity whatever the transport and the `www.`: the scheme is folded to
  `https` and a leading `www.` dropped; international host names in one form (IDNA, `xn--`);
* the fragment is dropped; runs of slashes in the path collapse to one;
* percent-encoding normalised: escapes of unreserved characters decoded (%7E -> ~), other escapes
  upper-cased (%2f -> %2F), characters that may not appear raw (spaces, non-ASCII) encoded as UTF-8;
  path case is kept; "." and ".." segments are resolved when the URL has a host;
* query: tracking parameters removed (`TRACKING_PARAMS`, and any name with a prefix in
  `TRACKING_PREFIXES`: `utm_`, `mtm_`, `itm_`...), empty pieces removed, `+` read as a space, the
  rest sorted by name (a repeated name keeps its values' order); an empty query leaves no "?".

`canonicalize_url` never raises and is idempotent on any text; anything that does not parse as a
URL comes back normalised the same way, not rejected.

Identities: the store treats an entry as seen if ANY of `entry_keys(...)` was stored before, so a
feed that switches between GUID and link forms, changes its GUIDs, or a link repeated in another
feed, does not produce a duplicate. In priority order:

1. `guid:<guid> @ <feed url>` for a GUID that is not a URL (scoped to the feed: "12345" from two
   outlets is not the same story);
2. `url:<canonical url>` for a GUID that IS a URL (it keys like a link), then for the link itself
   (not scoped: the same article linked from two feeds is one article);
3. `title:<hash>` of the feed, the case-folded title and the publication time (to the second),
   only when a date is known, so undated recurring titles ("Morning briefing") never collide;
4. only when there is none of the above: a hash of the feed and the title alone, else of the text.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl, unquote, urlsplit

# fmt: off
# Names from miniflux's urlcleaner (itself drawn from AdGuard's, Firefox's and Brave's lists) and
# courlan's tests, plus the news outlets' own (at_*, xtor, ocid...). courlan's tracker pattern is
# not used: it also removes `source`, `session`, `uid` and `*_id`, which name articles on some sites.
TRACKING_PARAMS = frozenset(
    {
        # ad and analytics click ids
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "gclsrc", "msclkid", "yclid", "ysclid",
        "twclid", "igshid", "srsltid", "_ga", "_gl", "spm", "taid", "s_cid", "sc_cid", "clickid",
        "_openstat", "wickedid", "rb_clickid", "_bhlid", "__readwiselocation", "si",
        # Facebook
        "fb_action_ids", "fb_action_types", "fb_ref", "fb_source", "fb_comment_id",
        # e-mail and marketing automation
        "mc_cid", "mc_eid", "mc_tc", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp",
        "hsctatracking", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv",
        # newsletters, share buttons, syndication
        "ocid", "cmpid", "cmp", "ref", "ref_src", "ref_url", "sr_share", "smid", "xtor", "ncid",
        "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
        "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
        "guccounter", "guce_referrer", "guce_referrer_sig", "__twitter_impression",
        # Google Analytics campaign names
        "campaign_id", "campaign_medium", "campaign_name", "campaign_source", "campaign_term",
        "campaign_content",
    }
)
# fmt: on
TRACKING_PREFIXES = ("utm_", "mtm_", "itm_", "hmb_", "pk_", "hsa_", "_branch_")

_URI = re.compile(
    r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):)?"
    r"(?://(?P<authority>[^/?#]*))?"
    r"(?P<path>[^?#]*)"
    r"(?:\?(?P<query>[^#]*))?"
    r"(?:#(?P<fragment>.*))?",
    re.DOTALL,
)
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = frozenset("!$&'()*+,;=")
_PATH_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":@/")
_QUERY_SAFE = _PATH_SAFE | frozenset("?")
_HEX = frozenset("0123456789abcdefABCDEF")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_STRIP = " \t\r\n\x00\x0b\x0c"


_SLASHES = re.compile(r"^(https?):[/\\]*", re.IGNORECASE)
_DOUBLED_SCHEME = re.compile(r"^(?:https?:/*)+(?=https?:)", re.IGNORECASE)
_ENTITY_AMP = re.compile(r"&(?:amp|#0*38|#x0*26);", re.IGNORECASE)
_HOST_OK = re.compile(r"[^\s/\\?#@|<>\"'`{}^]+")


def repair_link(link: str) -> str | None:
    """`link` with the common malformations fixed (see the module docstring); None if unusable.

    Relative links come back unchanged, for the caller to resolve; only a link that names the
    http(s) scheme is repaired, so it is never resolved onto the page's (or feed's) own host.
    """
    text = link.strip(_STRIP).replace("\t", "").replace("\r", "").replace("\n", "")
    if text.startswith("<![CDATA[") and text.endswith("]]>"):
        text = text[9:-3].strip(_STRIP)
    if not _SLASHES.match(text):
        return text
    text = _DOUBLED_SCHEME.sub("", text)
    if len(re.findall(r"https?://", text.split("?", 1)[0], re.IGNORECASE)) > 1:
        from courlan import scrub_url  # picks the right URL of two glued together

        text = scrub_url(text)
    text = _ENTITY_AMP.sub("&", text.replace("\\", "/"))
    text = _SLASHES.sub(lambda m: m.group(1).lower() + "://", text, count=1)
    host = urlsplit_host(text)
    if host is None or not _HOST_OK.fullmatch(host):
        return None
    return text


def urlsplit_host(url: str) -> str | None:
    """The host part of an absolute URL (userinfo and port removed), None when it has none."""
    match = _URI.fullmatch(url)
    if match is None or not match["authority"]:
        return None
    hostport = match["authority"].rpartition("@")[2]
    if hostport.startswith("["):
        return hostport[: hostport.find("]") + 1] or None
    return hostport.rpartition(":")[0] if ":" in hostport else hostport or None


def canonicalize_url(url: str) -> str:
    """The canonical form of `url` (see the module docstring); never raises."""
    text = repair_link(url)
    if text is None:
        text = url.strip(_STRIP).replace("\t", "").replace("\r", "").replace("\n", "")
    match = _URI.fullmatch(text)
    assert match is not None  # every string matches: all parts are optional
    scheme = (match["scheme"] or "").lower() or None
    authority = match["authority"]
    path = _normalize_escapes(match["path"], _PATH_SAFE)
    if authority is not None:
        authority = _normalize_authority(authority, scheme)
        path = _remove_dot_segments(re.sub(r"/{2,}", "/", path))
        if not path and scheme in _DEFAULT_PORTS:
            path = "/"
        if scheme in _DEFAULT_PORTS:
            scheme = "https"
            authority = _fold_host(authority)
    query = _clean_query(match["query"]) if match["query"] is not None else ""
    out = f"{scheme}:" if scheme else ""
    if authority is not None:
        out += "//" + authority
    out += path
    if query:
        out += "?" + query
    return out


def _fold_host(authority: str) -> str:
    """`www.` dropped and an international name in IDNA form (the port, if any, kept)."""
    userinfo, at, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        return authority
    host, colon, port = hostport.partition(":")
    if host.startswith("www.") and "." in host[4:]:
        host = host[4:]
    if not host.isascii():
        with contextlib.suppress(UnicodeError):  # not a valid name: kept (percent-encoded)
            host = unquote(host).encode("idna").decode("ascii")
    if port == "443":  # "http://host:443/" folded to https: the port is now the default one
        colon = port = ""
    return f"{userinfo}{at}{host}{colon}{port}"


def _normalize_escapes(text: str, safe: frozenset[str]) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "%" and text[i + 1 : i + 2] in _HEX and text[i + 2 : i + 3] in _HEX:
            pair = text[i + 1 : i + 3]
            decoded = chr(int(pair, 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + pair.upper())
            i += 3
            continue
        if ch in safe:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _normalize_authority(authority: str, scheme: str | None) -> str:
    userinfo, at, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        end = hostport.find("]")
        host, rest = (hostport, "") if end < 0 else (hostport[: end + 1], hostport[end + 1 :])
        port = rest[1:] if rest.startswith(":") else None
        if rest and port is None:  # "[::1]junk": leave it alone
            host, port = hostport, None
    else:
        host, colon, port_text = hostport.rpartition(":")
        if not colon:
            host, port = hostport, None
        else:
            port = port_text
    host = host.lower().rstrip(".")
    if port is not None:
        if port.isascii() and port.isdigit():
            port = str(int(port))
        if port == "" or port == _DEFAULT_PORTS.get(scheme or ""):
            port = None
    return f"{userinfo}{at}{host}" + (f":{port}" if port is not None else "")


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    absolute = path.startswith("/")
    segments = path.split("/")
    out: list[str] = []
    last = len(segments) - 1
    for i, segment in enumerate(segments):
        if segment in (".", ".."):
            if segment == ".." and len(out) > (1 if absolute else 0):
                out.pop()
            if i == last:
                out.append("")
            continue
        out.append(segment)
    result = "/".join(out)
    if absolute and not result.startswith("/"):
        result = "/" + result
    return result


def is_tracking_param(name: str) -> bool:
    key = unquote(name, errors="replace").strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    kept: list[str] = []
    for piece in query.split("&"):
        if not piece:
            continue
        piece = _normalize_escapes(piece.replace("+", "%20"), _QUERY_SAFE)
        if is_tracking_param(piece.split("=", 1)[0]):
            continue
        kept.append(piece)
    kept.sort(key=lambda piece: piece.split("=", 1)[0])  # stable: repeated names keep their order
    return "&".join(kept)


# --- redirect wrappers ---------------------------------------------------------------------------

_GOOGLE_HOST = re.compile(r"(?:www\.)?google\.(?:com|[a-z]{2,3}|com?\.[a-z]{2})")


def unwrap_redirect(url: str, *, depth: int = 3) -> str:
    """The target of a Google (Alerts, News, search) redirect link; other URLs unchanged."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return url
    wrapped = (_GOOGLE_HOST.fullmatch(host) is not None and parts.path == "/url") or (
        host == "news.google.com" and parts.path in ("/news/url", "/url")
    )
    if not wrapped or depth <= 0:
        return url
    params = dict(parse_qsl(parts.query, keep_blank_values=False))
    for key in ("url", "q"):
        target = params.get(key, "").strip()
        if target.lower().startswith(("http://", "https://")):
            return unwrap_redirect(target, depth=depth - 1)
    return url


def is_google_news_link(url: str) -> bool:
    try:
        return (urlsplit(url.strip()).hostname or "").lower() == "news.google.com"
    except ValueError:
        return False


def resolve_google_news_link(url: str) -> str | None:
    """The article URL behind a Google News link, when it can be recovered without a request.

    Older article ids ("CBMi...") are base64 protobuf with the URL inside; newer ones are opaque
    and need Google's servers, so they give None (the entry is then kept but not fetched).
    """
    unwrapped = unwrap_redirect(url)
    if unwrapped != url:
        return unwrapped
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return None
    segments = path.split("/")
    if "articles" not in segments:
        return None
    index = segments.index("articles")
    if index + 1 >= len(segments):
        return None
    article_id = segments[index + 1]
    try:
        data = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
    except (binascii.Error, ValueError):
        return None
    return _url_in_protobuf(data)


def _url_in_protobuf(data: bytes) -> str | None:
    for i, byte in enumerate(data):
        if byte != 0x22:  # field 4, length-delimited
            continue
        length, shift, j = 0, 0, i + 1
        while j < len(data) and shift < 35:
            length |= (data[j] & 0x7F) << shift
            shift += 7
            j += 1
            if not data[j - 1] & 0x80:
                break
        candidate = data[j : j + length]
        if len(candidate) == length and candidate.startswith((b"http://", b"https://")):
            try:
                text = candidate.decode("ascii")
            except UnicodeDecodeError:
                continue
            if text.isprintable() and " " not in text:
                return text
    return None


# --- entry identities ----------------------------------------------------------------------------


def _looks_like_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _fold(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def entry_keys(
    guid: str | None,
    canonical_url: str | None,
    title: str | None,
    published: datetime | None,
    *,
    feed_url: str | None = None,
    text: str | None = None,
) -> list[str]:
    """Every identity of a feed entry, most specific first (see the module docstring)."""
    keys: list[str] = []
    scope = feed_url or ""

    def add(key: str) -> None:
        if key not in keys:
            keys.append(key)

    guid = (guid or "").strip()
    if guid:
        if _looks_like_url(guid):
            add("url:" + canonicalize_url(guid))
        else:
            add(f"guid:{guid} @ {scope}" if scope else f"guid:{guid}")
    if canonical_url:
        add("url:" + canonical_url)
    folded = _fold(title)
    if folded and published is not None:
        stamp = published.astimezone(UTC).replace(microsecond=0).isoformat()
        add("title:" + _digest(scope, folded, stamp))
    if not keys:
        if folded:
            add("title:" + _digest(scope, folded))
        elif _fold(text):
            add("text:" + _digest(scope, _fold(text)[:2000]))
    return keys


def entry_key(
    guid: str | None,
    canonical_url: str | None,
    title: str | None,
    published: datetime | None,
    *,
    feed_url: str | None = None,
    text: str | None = None,
) -> str | None:
    """The entry's primary identity: the first of `entry_keys`, None if it has none at all."""
    keys = entry_keys(guid, canonical_url, title, published, feed_url=feed_url, text=text)
    return keys[0] if keys else None
