-- An entry keeps the language its feed gave it, so an article built from the feed's text alone
-- (page not fetched, or failed) still knows its language after a restart or in a backfill.
ALTER TABLE entries ADD COLUMN language VARCHAR;
