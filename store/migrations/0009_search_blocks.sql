-- The search index (store.search_index): for each block of 2,048 article ids (id >> 11), a
-- Bloom filter of the character trigrams of its articles' titles, summaries and texts. Kept up
-- to date by store.articles.upsert_articles in the storing transaction; a block without a row
-- is simply searched in full (`newswatch index` builds the rows of articles stored before).
CREATE TABLE search_blocks (
    block BIGINT NOT NULL,
    bloom BIT NOT NULL,                   -- 2^20 bits
    built_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
