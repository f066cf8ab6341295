-- What the story model read from each relevant article's headline and text (gazetteer entities,
-- figures, dates, headline words: reports.stories.profile.TextFeatures, as JSON), kept by the
-- stories step so the digest and later polls do not read every article again. `key` digests the
-- text it was read from, the gazetteer and the reading code: a row whose key is not the current
-- one is read again and replaced.
CREATE TABLE article_features (
    article_id BIGINT PRIMARY KEY,
    key VARCHAR NOT NULL,
    features VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
