"""The pipeline's clock: `utcnow()`, the one place the steps ask what time it is.

Every step takes "now" from here (or as an argument), so a test can pin it at this one seam and the
whole suite can be run with the system clock moved (`scripts/test` runs the date-sensitive tests a
year ahead under libfaketime).
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)
