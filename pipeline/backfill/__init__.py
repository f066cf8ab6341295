"""The backfill steps: the request and its plan, reworking stored articles, discovering older ones, the summary."""
