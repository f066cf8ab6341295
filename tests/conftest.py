"""Shared test fixtures: a real HTTP server on 127.0.0.1 (`local_site`, a
`testkit.localsite.LocalSite`) and isolated Prefect settings."""

from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.localsite import LocalSite

FIXTURES = Path(__file__).parent / "fixtures"

# No telemetry and no user-profile state from any test, whatever the machine has set.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="newswatch-prefect-home-")
os.environ.pop("PREFECT_API_URL", None)  # tests start their own Prefect API


@pytest.fixture
def local_site() -> Iterator[LocalSite]:
    site = LocalSite()
    site.start()
    try:
        yield site
    finally:
        site.stop()


def read_fixture(relative: str) -> bytes:
    """Bytes of a fixture file; `.gz` files are decompressed."""
    data = (FIXTURES / relative).read_bytes()
    return gzip.decompress(data) if relative.endswith(".gz") else data
