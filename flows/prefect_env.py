"""Prefect environment defaults, applied by entry points before Prefect is imported.

Only defaults: anything the operator set in the environment or a Prefect profile wins.
- no telemetry (these machines have no internet, and operators did not ask for it);
- a generous start-up timeout for Prefect's temporary local server (the 20 s default is exceeded
  on a loaded 2-core machine);
- the project's own loggers appear in the Prefect run logs.
"""

from __future__ import annotations

import logging
import os

CORE_LOGGERS = ("extract", "store", "reports", "pipeline", "newswatch")

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_EXTRA_LOGGERS": ",".join(CORE_LOGGERS),
}


def configure_prefect_environment() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)


def show_core_logs(level: int = logging.INFO) -> None:
    """Let the project's INFO records through to the Prefect run logs.

    Prefect attaches its API handler to the extra loggers but leaves their level at the root's
    (WARNING), so flows run by a worker call this to show their progress in the UI.
    """
    for name in CORE_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level > level:
            logger.setLevel(level)
