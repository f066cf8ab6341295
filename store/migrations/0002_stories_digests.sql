-- Stories (articles grouped by development), near-duplicate copies, and the digest archive.

-- The story an article belongs to (the id of the story's first article) and, for a syndicated
-- or lightly edited copy, the article it copies. Both stay NULL until stories are assigned.
ALTER TABLE articles ADD COLUMN story_id BIGINT;
ALTER TABLE articles ADD COLUMN duplicate_of BIGINT;

CREATE INDEX articles_story ON articles (story_id);

-- One row per story; its id is the id of the article that started it, so ids are stable.
CREATE TABLE stories (
    id BIGINT PRIMARY KEY,
    headline VARCHAR,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    articles INTEGER NOT NULL,            -- articles assigned to it (copies included)
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE SEQUENCE digest_ids START 1;

-- Every digest delivered or attempted, whole: what it held, what was sent, to whom, when.
-- A window is delivered once per channel ('smtp' or 'outbox'); a row stays 'sending' while the
-- message is on its way and becomes 'sent' (or 'failed', with the error).
CREATE TABLE digests (
    id BIGINT PRIMARY KEY DEFAULT nextval('digest_ids'),
    window_key VARCHAR NOT NULL,          -- '2026-W47', or '2026-11-16_2026-11-30'
    window_start TIMESTAMPTZ NOT NULL,
    window_end TIMESTAMPTZ NOT NULL,
    timezone VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,             -- 'smtp' | 'outbox'
    status VARCHAR NOT NULL,              -- 'sending' | 'sent' | 'failed'
    message_id VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    sender VARCHAR NOT NULL,
    recipients VARCHAR[] NOT NULL,
    story_ids BIGINT[] NOT NULL,          -- in digest order
    new_story_ids BIGINT[] NOT NULL,      -- the ones shown as new developments
    article_ids BIGINT[] NOT NULL,
    items JSON NOT NULL,                  -- per story: status, sources, pointer to earlier report
    html VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    archive_path VARCHAR,                 -- the .eml kept on disk
    forced BOOLEAN NOT NULL DEFAULT FALSE,
    error VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);

CREATE INDEX digests_window ON digests (window_key);
