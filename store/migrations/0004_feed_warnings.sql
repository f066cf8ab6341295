-- Feeds that parse only with recovery (broken XML, wrong declared encoding) say so.
ALTER TABLE feeds ADD COLUMN last_warning VARCHAR;
ALTER TABLE fetch_log ADD COLUMN warning VARCHAR;
