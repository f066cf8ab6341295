"""Where the time of `extract_article` goes, step by step, under cProfile.

Part of the article-extraction benchmark (`.venv/bin/python -m bench.extraction --profile`, on by
default, writes the table into docs/benchmarks/extraction.md). cProfile is the standard
library's profiler: no dependency.
"""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from extract.article.extraction import ExtractionSettings, extract_article

# (step, file, function, calling function or None for every caller)
STEPS: list[tuple[str, str, str, str | None]] = [
    (
        "decode the page's bytes, refuse empty or binary ones",
        "article/encoding.py",
        "page_source",
        None,
    ),
    (
        "parse the HTML (lxml through trafilatura.load_html)",
        "trafilatura/utils.py",
        "load_html",
        "_parse_page",
    ),
    ("metadata (`page_metadata`), htmldate included", "article/metadata.py", "page_metadata", None),
    (
        "— of which the author (`extract_author`)",
        "trafilatura/metadata.py",
        "extract_author",
        "page_metadata",
    ),
    (
        "htmldate's text search (pages without a date in markup)",
        "htmldate/core.py",
        "find_date",
        "page_date",
    ),
    ("trafilatura's text passes", "article/extraction.py", "_trafilatura_text", None),
    (
        "— of which its readability/jusText comparison",
        "trafilatura/external.py",
        "compare_extraction",
        None,
    ),
    ("clean_text", "article/clean.py", "clean_text", None),
    ("language (py3langid)", "py3langid/langid.py", "classify", "detect_language"),
    ("paywall signals, strong", "article/paywall.py", "strong_paywall_signals", None),
    ("paywall signals, weak", "article/paywall.py", "weak_paywall_signals", None),
]


def profile_steps(
    candidates: Sequence[tuple[str, ExtractionSettings]],
    pages: dict[str, bytes],
    truth: dict[str, dict[str, str]],
    now: datetime,
) -> list[tuple[str, list[tuple[float, int]]]]:
    """(step, [(ms per page, calls) per candidate]) under cProfile, the candidates side by side
    page after page; the first row is the whole of `extract_article`. cProfile's overhead
    inflates the Python-heavy steps: read the shares, not the milliseconds."""
    urls = {k: truth[k].get("url") or f"https://example.org/{k}" for k in pages}
    profiles = [cProfile.Profile() for _ in candidates]
    for key in sorted(pages):
        for profile, (_, settings) in zip(profiles, candidates, strict=True):
            profile.enable()
            extract_article(pages[key], url=urls[key], now=now, settings=settings)
            profile.disable()
    rows = [("the whole of `extract_article`", "article/extraction.py", "extract_article", None)]
    table: list[tuple[str, list[tuple[float, int]]]] = []
    for step, file, function, caller in rows + STEPS:
        cells = []
        for profile in profiles:
            stats: dict[Any, Any] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
            ms, calls = 0.0, 0
            for (path, _, name), (_, ncalls, _, cumtime, callers) in stats.items():
                if name != function or not path.endswith(file):
                    continue
                if caller is None:
                    ms, calls = ms + cumtime, calls + ncalls
                    continue
                for (_, _, caller_name), (_, c_calls, _, c_cumtime) in callers.items():
                    if caller_name == caller:
                        ms, calls = ms + c_cumtime, calls + c_calls
            cells.append((1000 * ms / len(pages), calls))
        table.append((step, cells))
    return table
