"""One Prefect test API for every in-process flow test in this folder (started once: ~15 s).

Flow tests that call a flow function in this process take the `prefect_api` fixture; tests that run
the CLI in a subprocess (which starts its own temporary server) do not need it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
