DROP INDEX news_changes_search_seq;
ALTER TABLE news_changes DROP COLUMN search_seq;
ALTER TABLE content_clock DROP COLUMN search_epoch;
ALTER TABLE content_clock DROP COLUMN search_seq;
