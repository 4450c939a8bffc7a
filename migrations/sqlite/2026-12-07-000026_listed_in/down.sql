DROP INDEX news_items_public;
CREATE INDEX news_items_public ON news_items (status, published_at, id, deleted_at, lang, group_id) WHERE deleted_at IS NULL;
ALTER TABLE news_items DROP COLUMN listed_in;
