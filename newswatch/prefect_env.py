"""Prefect environment defaults, applied by entry points before Prefect is imported.

Only defaults: anything the operator set in the environment or a Prefect profile wins.
- no telemetry (these machines have no internet, and operators did not ask for it);
- a generous start-up timeout for Prefect's temporary local server (the 20 s default is exceeded
  on a loaded 2-core machine);
- the project's own loggers appear in the Prefect run logs.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "extract,store,reports,newswatch",
}


def configure_prefect_environment() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
