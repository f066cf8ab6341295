-- Backfill checkpoints: a backfill killed half-way and started again with the same request
-- (mode, window, feeds) carries on from here instead of starting over.

CREATE TABLE backfill_jobs (
    job_key VARCHAR PRIMARY KEY,          -- mode|start|end|feeds: the same request, the same job
    mode VARCHAR NOT NULL,                -- rescore | reextract | refetch | discover
    window_start TIMESTAMPTZ NOT NULL,
    window_end TIMESTAMPTZ NOT NULL,      -- exclusive
    feed_urls VARCHAR[],                  -- NULL: every feed
    status VARCHAR NOT NULL,              -- running | done
    last_article_id BIGINT,               -- rescore/reextract/refetch: articles done up to this id
    feeds_done VARCHAR[] NOT NULL,        -- discover: feeds whose history was walked and stored
    processed INTEGER NOT NULL DEFAULT 0, -- items looked at
    changed INTEGER NOT NULL DEFAULT 0,   -- items whose stored values changed (or were added)
    failed INTEGER NOT NULL DEFAULT 0,    -- items that could not be done (kept as data)
    runs INTEGER NOT NULL DEFAULT 1,      -- how many runs worked on it (2+ after a resume)
    last_run_id VARCHAR,
    started_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
