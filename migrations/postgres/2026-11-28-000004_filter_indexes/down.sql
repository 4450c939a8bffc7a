DROP INDEX news_items_topic;
DROP INDEX news_items_region;
DROP INDEX news_items_author;
DROP INDEX news_items_organization;
CREATE INDEX news_items_topic ON news_items (topic_id, published_at);
CREATE INDEX news_items_region ON news_items (region_id, published_at);
CREATE INDEX news_items_author ON news_items (author_id, published_at);
CREATE INDEX news_items_organization ON news_items (organization_id, published_at);
