"""The errors `extract/` raises on purpose, and whether trying again later can help.

    NewswatchError
     ├── FetchError                 one URL could not be fetched (has `.url`)
     │    ├── FetchTimeout          connect/read timed out, or the total deadline passed   transient
     │    ├── FetchConnectError     DNS failure, refused, reset, server hung up            transient
     │    ├── TLSError              certificate or handshake failure                       permanent
     │    ├── HTTPStatusError       the server answered 4xx/5xx (or an unusable 3xx)       depends on status
     │    ├── ResponseTooLarge      the body passed the configured byte cap                permanent
     │    ├── BlockedAddress        the host resolves to a loopback/private/... address    permanent
     │    ├── UnsupportedURL        not an http(s) URL, no host, malformed                 permanent
     │    ├── TooManyRedirects      more hops than allowed, or a redirect loop             permanent
     │    └── BadResponse           undecodable Content-Encoding, broken gzip              permanent
     └── FeedParseError             the body is not a usable feed (also a ValueError)      permanent

Library exceptions (httpx, httpcore, socket, ssl) are translated into these at exactly one place,
`extract.fetch._translate_errors`, always with `raise ... from exc` so the cause stays visible.
Every message is meant for an operator: short, plain, without a traceback.

`transient` tells the poller whether an error is worth retrying soon (a soft error) or marks the
feed as broken until someone looks (a hard error). HTTP statuses 404, 408, 425, 429 and 5xx are
transient; other 4xx are not (404 is soft on purpose: sites lose feeds for a few hours while
redeploying; a feed that stays 404 keeps backing off and shows up in the failing-feeds report).
"""

from __future__ import annotations

TRANSIENT_STATUSES = frozenset({404, 408, 425, 429})


class NewswatchError(Exception):
    """Base of every error newswatch raises on purpose."""

    @property
    def transient(self) -> bool:
        return False


class FetchError(NewswatchError):
    """A URL could not be fetched; `url` is the one that failed (after redirects)."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class FetchTimeout(FetchError):
    @property
    def transient(self) -> bool:
        return True


class FetchConnectError(FetchError):
    @property
    def transient(self) -> bool:
        return True


class TLSError(FetchError):
    """Certificate verification or TLS handshake failed: a configuration problem, not a blip."""


class HTTPStatusError(FetchError):
    """The server answered with an error status; `retry_after` is in seconds, already capped."""

    def __init__(
        self,
        status: int,
        *,
        url: str,
        reason: str = "",
        retry_after: float | None = None,
    ) -> None:
        text = f"HTTP {status} {reason}".strip()
        if retry_after is not None:
            text += f" (retry after {retry_after:.0f} s)"
        super().__init__(text, url=url)
        self.status = status
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.status in TRANSIENT_STATUSES or self.status >= 500


class ResponseTooLarge(FetchError):
    def __init__(self, limit: int, *, url: str, declared: int | None = None) -> None:
        detail = f" (Content-Length {declared:,})" if declared is not None else ""
        super().__init__(f"response larger than the {limit:,}-byte limit{detail}", url=url)
        self.limit = limit


class BlockedAddress(FetchError):
    """The host resolves to an address newswatch must not contact (SSRF guard)."""


class UnsupportedURL(FetchError):
    """Not something newswatch fetches: another scheme, no host, or unparseable."""


class TooManyRedirects(FetchError):
    pass


class BadResponse(FetchError):
    """The server sent something that cannot be decoded (e.g. a corrupt gzip stream)."""


class FeedParseError(NewswatchError, ValueError):
    """The body is not a usable feed (or OPML file); the message says why, readably."""
