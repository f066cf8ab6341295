-- The sentence vector of each relevant article (headline and lead), computed once by the stories
-- step and kept, so grouping and the digest do not embed an article again. `model` names the
-- embedding: vectors of another model are never compared with these.
CREATE TABLE article_vectors (
    article_id BIGINT NOT NULL,
    model VARCHAR NOT NULL,
    vector FLOAT[] NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, model)
);
