ALTER TABLE content_clock DROP COLUMN version;
