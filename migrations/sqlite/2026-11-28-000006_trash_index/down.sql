DROP INDEX news_items_public;
DROP INDEX news_items_trashed;
CREATE INDEX news_items_deleted_at ON news_items (deleted_at);
