-- Feeds with their polling state, feed entries seen, articles (seeds included), a fetch log.

CREATE TABLE feeds (
    url VARCHAR PRIMARY KEY,
    title VARCHAR,
    source VARCHAR,                       -- outlet name shown to analysts
    language VARCHAR,
    topic VARCHAR,                        -- "nk", "russia", "general", "search"
    origin VARCHAR NOT NULL,              -- the list file it came from, or 'manual'
    active BOOLEAN NOT NULL DEFAULT TRUE,
    etag VARCHAR,
    last_modified VARCHAR,
    error_count INTEGER NOT NULL DEFAULT 0,
    last_status VARCHAR,
    last_http_status INTEGER,
    last_error VARCHAR,
    last_error_at TIMESTAMPTZ,
    failing_since TIMESTAMPTZ,
    last_polled_at TIMESTAMPTZ,
    last_success_at TIMESTAMPTZ,
    last_unconditional_at TIMESTAMPTZ,
    next_poll_at TIMESTAMPTZ,
    added_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE article_ids START 1;

CREATE TABLE articles (
    id BIGINT PRIMARY KEY DEFAULT nextval('article_ids'),
    canonical_url VARCHAR NOT NULL UNIQUE,
    url VARCHAR NOT NULL,
    feed_url VARCHAR,
    source VARCHAR,
    title VARCHAR,
    author VARCHAR,
    published_at TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ NOT NULL,
    fetched_at TIMESTAMPTZ,
    language VARCHAR,
    site_name VARCHAR,
    text VARCHAR,
    summary VARCHAR,
    is_seed BOOLEAN NOT NULL DEFAULT FALSE,
    extraction_status VARCHAR NOT NULL,
    extraction_reason VARCHAR,
    http_status INTEGER,
    relevant BOOLEAN,
    relevance_score DOUBLE,
    relevance_terms VARCHAR[],
    relevance_reason VARCHAR,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

-- Raw page HTML, compressed, so articles can be re-extracted without fetching again.
CREATE TABLE article_html (
    article_id BIGINT PRIMARY KEY,
    compression VARCHAR NOT NULL,         -- 'zlib' or 'none'
    content_type VARCHAR,
    final_url VARCHAR,
    html BLOB NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE entries (
    entry_key VARCHAR PRIMARY KEY,
    feed_url VARCHAR NOT NULL,
    guid VARCHAR,
    url VARCHAR,
    canonical_url VARCHAR,
    title VARCHAR,
    summary VARCHAR,
    content VARCHAR,
    author VARCHAR,
    source VARCHAR,
    published_at TIMESTAMPTZ,
    fetchable BOOLEAN NOT NULL DEFAULT TRUE,
    first_seen_at TIMESTAMPTZ NOT NULL,
    article_id BIGINT,                    -- set once the entry became an article
    state VARCHAR NOT NULL DEFAULT 'new'  -- new | done
);

-- Every identity an entry was seen under (guid, canonical URL, title+date hash): an entry whose
-- GUID changed but whose URL did not is still recognised as seen.
CREATE TABLE entry_identities (
    identity VARCHAR PRIMARY KEY,
    entry_key VARCHAR NOT NULL
);

CREATE SEQUENCE fetch_log_ids START 1;

CREATE TABLE fetch_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('fetch_log_ids'),
    run_id VARCHAR,
    kind VARCHAR NOT NULL,                -- 'feed' | 'page'
    url VARCHAR NOT NULL,
    feed_url VARCHAR,
    status VARCHAR NOT NULL,
    http_status INTEGER,
    error VARCHAR,
    elapsed_ms DOUBLE,
    bytes BIGINT,
    entries INTEGER,
    logged_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE poll_runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    feeds_polled INTEGER,
    feeds_failed INTEGER,
    new_entries INTEGER,
    new_articles INTEGER,
    relevant_articles INTEGER
);

CREATE INDEX articles_published ON articles (published_at);
CREATE INDEX articles_first_seen ON articles (first_seen_at);
CREATE INDEX entries_feed ON entries (feed_url);
CREATE INDEX fetch_log_at ON fetch_log (logged_at);
