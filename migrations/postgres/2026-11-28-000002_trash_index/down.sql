DROP INDEX news_items_public;
ALTER INDEX news_items_search SET (fastupdate = on);
DROP INDEX news_items_trashed;
CREATE INDEX news_items_deleted_at ON news_items (deleted_at);
