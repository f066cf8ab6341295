"""Stories: copies, story similarity, grouping articles into developments, novelty against earlier digests."""
