-- The timeline of developments: one row per story, rebuilt from the stories by the timeline step
-- (pipeline/timeline.py), and the analysts' category overrides, kept apart so a rebuild never
-- touches them.
CREATE TABLE timeline (
    story_id BIGINT PRIMARY KEY,          -- stories.id
    headline VARCHAR NOT NULL,            -- English: first English headline, else the gist
    gist VARCHAR,                         -- "Lavrov · Kim Jong Un · Wonsan · visit"
    first_article_id BIGINT NOT NULL,     -- the first report
    first_title VARCHAR,
    first_url VARCHAR NOT NULL,
    first_outlet VARCHAR NOT NULL,
    first_language VARCHAR,
    first_reported_at TIMESTAMPTZ NOT NULL,
    last_reported_at TIMESTAMPTZ NOT NULL,
    reports INTEGER NOT NULL,             -- copies included
    outlets VARCHAR[] NOT NULL,           -- in order of first report
    languages VARCHAR[] NOT NULL,
    actors VARCHAR[] NOT NULL,            -- English labels of the gazetteer, most reported first
    places VARCHAR[] NOT NULL,
    rule_category VARCHAR NOT NULL,       -- what the rules of reports/timeline.py decided
    rule_reason VARCHAR NOT NULL,
    report_gists JSON NOT NULL,           -- article id -> the English gist of that report alone
    rules_version VARCHAR NOT NULL,       -- rules and gazetteer the row was decided with
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX timeline_first ON timeline (first_reported_at);

CREATE TABLE timeline_overrides (
    story_id BIGINT PRIMARY KEY,
    category VARCHAR NOT NULL,
    set_at TIMESTAMPTZ NOT NULL
);
