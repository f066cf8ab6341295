"""English headlines from a LibreTranslate-compatible translation API, when one is configured.

    with Fetcher(HttpConfig(private_hosts=frozenset({"127.0.0.1"}))) as fetcher:
        english = translate_to_english(fetcher, "http://127.0.0.1:5000", [("ko", "북러 조약 발효")])
        # -> ["North Korea–Russia treaty takes effect"]  (None where a text could not be translated)

The API is LibreTranslate's: `POST {base}/translate` with JSON `{"q", "source", "target":
"en", "format": "text"}` (and `api_key` when given), answering `{"translatedText": ...}`. Nothing
needs it: without a translator the digest shows the original headline and an English gist. A
failed or refused translation is one text's failure, never the digest's: it comes back as None
and the reason is logged. Network through `extract.fetch.Fetcher` only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from extract.errors import FetchError
from extract.fetch import Fetcher

log = logging.getLogger(__name__)

MAX_CHARS = 500  # a headline; longer texts are cut


def translate_to_english(
    fetcher: Fetcher,
    base_url: str,
    texts: Sequence[tuple[str | None, str]],
    *,
    api_key: str | None = None,
) -> list[str | None]:
    """(language, text) pairs to English; None for each text that could not be translated."""
    url = base_url.rstrip("/") + "/translate"
    out: list[str | None] = []
    for language, text in texts:
        payload: dict[str, str] = {
            "q": text[:MAX_CHARS],
            "source": (language or "auto").split("-")[0].lower(),
            "target": "en",
            "format": "text",
        }
        if api_key:
            payload["api_key"] = api_key
        try:
            response = fetcher.post_json(url, payload)
            answer = json.loads(response.body.decode("utf-8"))
            translated = answer.get("translatedText") if isinstance(answer, dict) else None
        except (FetchError, ValueError) as exc:
            log.warning("translation of a %s headline failed: %s", language or "?", exc)
            translated = None
        out.append(
            " ".join(translated.split())
            if isinstance(translated, str) and translated.strip()
            else None
        )
    return out
