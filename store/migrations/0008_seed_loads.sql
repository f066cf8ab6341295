-- What the seed articles were last stored from (pipeline.ingest.load_seeds): a fingerprint of
-- the seed files, the term data and the code that judges them. A poll whose fingerprint is the
-- stored one, with every seed still stored, skips reading and judging them again.
CREATE TABLE seed_loads (
    fingerprint VARCHAR PRIMARY KEY,
    seeds INTEGER NOT NULL,               -- how many seed articles that load stored
    loaded_at TIMESTAMPTZ NOT NULL
);
