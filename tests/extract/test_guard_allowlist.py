"""The guard's allow-list: named networks reachable, every other non-public address still refused.

Real servers on two loopback addresses (127.0.0.1 and 127.0.0.2); redirects to private,
link-local and metadata addresses are refused by the guard before any connection is made, so
these tests never leave the machine.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest

from extract.addresses import LOOPBACK, METADATA, parse_networks, refusal
from extract.errors import BlockedAddress
from extract.fetch import Fetcher, HttpConfig
from pipeline.ingest import http_config
from pipeline.settings import SettingsError, load_settings
from tests.extract.conftest import FeedServer, Reply

ONLY_ONE = HttpConfig(allowed_networks=parse_networks(["127.0.0.1/32"]), read_timeout=2.0)


@pytest.fixture
def other() -> Iterator[FeedServer]:
    site = FeedServer("127.0.0.2")
    try:
        yield site
    finally:
        site.close()


def test_an_allowed_network_is_reachable(server: FeedServer) -> None:
    url = server.route("/feed", Reply(body=b"<rss/>"))
    with Fetcher(ONLY_ONE) as fetcher:
        assert fetcher.get(url).body == b"<rss/>"


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://10.0.0.1/admin", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.1.1/", "link-local"),
        ("http://[::1]:9/", "loopback"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://0.0.0.0:9/", "unspecified"),
    ],
)
def test_an_allowed_site_cannot_redirect_elsewhere(
    server: FeedServer, target: str, reason: str
) -> None:
    start = server.route("/start", Reply(302, headers={"Location": target}))
    with Fetcher(ONLY_ONE) as fetcher, pytest.raises(BlockedAddress, match=reason):
        fetcher.get(start)
    assert [r.path for r in server.requests] == ["/start"]


def test_the_rest_of_loopback_stays_refused(server: FeedServer, other: FeedServer) -> None:
    secret = other.route("/admin", Reply(body=b"secret"))
    start = server.route("/start", Reply(302, headers={"Location": secret}))
    with Fetcher(ONLY_ONE) as fetcher, pytest.raises(BlockedAddress, match=r"127\.0\.0\.2"):
        fetcher.get(start)
    assert other.requests == []


def test_the_old_switch_now_means_loopback_only(server: FeedServer) -> None:
    start = server.route("/start", Reply(302, headers={"Location": "http://10.0.0.1/"}))
    with (
        Fetcher(HttpConfig(allow_private_networks=True)) as fetcher,
        pytest.raises(BlockedAddress, match="private"),
    ):
        fetcher.get(start)


def test_metadata_addresses_are_refused_whatever_is_allowed() -> None:
    everything = parse_networks(["0.0.0.0/0", "::/0", "169.254.0.0/16"])
    for address in METADATA:
        assert refusal(address, everything) == "cloud metadata address"
    mapped = ipaddress.ip_address("::ffff:169.254.169.254")
    assert refusal(mapped, everything) == "cloud metadata address"
    assert refusal(ipaddress.ip_address("10.0.0.1"), everything) is None
    assert refusal(ipaddress.ip_address("127.0.0.5"), LOOPBACK) is None
    assert refusal(ipaddress.ip_address("10.0.0.1"), LOOPBACK) == "private"


def test_the_setting_is_a_comma_list_of_networks_and_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE", "127.0.0.1/32, 10.1.2.0/24,Bridge.lan,::1")
    settings = load_settings()
    assert settings.allowed_networks == parse_networks(["127.0.0.1/32", "10.1.2.0/24", "::1"])
    assert settings.allowed_hosts == frozenset({"bridge.lan"})
    config = http_config(settings)
    assert config.allowed_networks == settings.allowed_networks
    assert config.private_hosts == frozenset({"bridge.lan"})
    assert not config.allow_private_networks


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "300.1.1.1", "a b", "10.0.0.0/8;rm"])
def test_a_bad_allow_list_names_the_setting(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE", bad)
    with pytest.raises(SettingsError, match="NEWSWATCH_ALLOW_PRIVATE"):
        load_settings()
