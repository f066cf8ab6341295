"""The script a user would write in an afternoon: the yardstick `bench.throughput` runs newswatch against.

    .venv/bin/python bench/naive.py FEEDS_FILE DB_PATH

One loop, one core: for each feed URL (one a line) feedparser parses it, each entry's link is
fetched with urllib, trafilatura extracts the text, a row goes into DuckDB. No relevance, no
dedup beyond the link, no conditional GET, no error handling beyond skipping a page.
"""

from __future__ import annotations

import sys
import urllib.request

import duckdb
import feedparser
import trafilatura


def main(feeds_file: str, db_path: str) -> int:
    con = duckdb.connect(db_path)
    con.execute("CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, title TEXT, text TEXT)")
    stored = 0
    with open(feeds_file, encoding="utf-8") as handle:
        feeds = [line.strip() for line in handle if line.strip()]
    for feed_url in feeds:
        parsed = feedparser.parse(urllib.request.urlopen(feed_url, timeout=20).read())
        for entry in parsed.entries:
            try:
                html = urllib.request.urlopen(entry.link, timeout=20).read()
            except OSError:
                continue
            text = trafilatura.extract(html)
            con.execute(
                "INSERT OR IGNORE INTO articles VALUES (?, ?, ?)", [entry.link, entry.title, text]
            )
            stored += 1
    con.close()
    print(stored)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
