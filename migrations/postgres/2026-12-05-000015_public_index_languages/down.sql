DROP INDEX news_items_public;
CREATE INDEX news_items_public ON news_items (status, published_at, id, deleted_at) WHERE deleted_at IS NULL;
