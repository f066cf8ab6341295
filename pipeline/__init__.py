"""The steps the flows call: plain Python over the settings, each one unit of work (ingest, stories, digest, delivery, backfill), and the settings object."""
