"""English headlines from a LibreTranslate-compatible API served on 127.0.0.1: what is sent, what
comes back, and a failing or refusing translator costing one headline, never the digest."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

from extract.fetch import Fetcher, HttpConfig
from extract.translate import translate_to_english
from testkit.localsite import LocalSite, Route

GLOSSARY = {
    "북러 조약 발효": "North Korea-Russia treaty takes effect",
    "Лавров в Вонсане": "Lavrov in Wonsan",
}


def libretranslate(site: LocalSite, received: list[dict[str, str]]) -> str:
    """A tiny LibreTranslate: POST /translate {q, source, target, format} -> {translatedText}."""

    def answer(handler: BaseHTTPRequestHandler) -> Route:
        body = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
        received.append(body)
        if body["q"] not in GLOSSARY:
            return Route(b'{"error": "unsupported"}', 400, {"Content-Type": "application/json"})
        data = json.dumps({"translatedText": GLOSSARY[body["q"]]}).encode()
        return Route(data, 200, {"Content-Type": "application/json"})

    site.add("/translate", b"")
    site.routes["/translate"].handler = answer
    return site.base


def test_headlines_are_translated_and_a_refusal_costs_one_headline(local_site: LocalSite) -> None:
    received: list[dict[str, str]] = []
    base = libretranslate(local_site, received)
    config = HttpConfig(private_hosts=frozenset({"127.0.0.1"}))
    with Fetcher(config) as fetcher:
        english = translate_to_english(
            fetcher,
            base,
            [("ko", "북러 조약 발효"), ("ru", "Лавров в Вонсане"), ("fa", "نامشخص")],
            api_key="k",
        )
    assert english == ["North Korea-Russia treaty takes effect", "Lavrov in Wonsan", None]
    assert received[0] == {
        "q": "북러 조약 발효",
        "source": "ko",
        "target": "en",
        "format": "text",
        "api_key": "k",
    }


def test_an_unreachable_translator_gives_nothing_and_raises_nothing() -> None:
    with Fetcher(HttpConfig(private_hosts=frozenset({"127.0.0.1"}), connect_timeout=1)) as fetcher:
        assert translate_to_english(fetcher, "http://127.0.0.1:9", [("ko", "북러")]) == [None]


def test_the_guard_still_refuses_a_private_translator_nobody_named(local_site: LocalSite) -> None:
    base = libretranslate(local_site, [])
    with Fetcher(HttpConfig()) as fetcher:
        assert translate_to_english(fetcher, base, [("ko", "북러 조약 발효")]) == [None]
