"""What the archive site reads: the digests sent, one per window (the last sent on any channel).

The site's other data, the timeline and the stories' reports, come from `store.timeline`.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from store.digests import SENT


def sent_digests(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The last digest sent for each window, newest window first, `items` decoded."""
    cur = con.execute(
        """
        SELECT window_key, window_start, window_end, timezone, subject, story_ids, new_story_ids,
               items, html, sent_at
        FROM digests WHERE status = ?
        QUALIFY row_number() OVER (PARTITION BY window_key ORDER BY sent_at DESC, id DESC) = 1
        ORDER BY window_start DESC, window_key
        """,
        [SENT],
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    for row in rows:
        items = row["items"]
        row["items"] = json.loads(items) if isinstance(items, str) else list(items or [])
    return rows
