DROP TABLE news_changes;
ALTER TABLE content_clock DROP COLUMN change_seq;
DROP INDEX news_items_deleted_at;
ALTER TABLE news_items DROP COLUMN deleted_by;
ALTER TABLE news_items DROP COLUMN deleted_at;
DROP TABLE revisions;
