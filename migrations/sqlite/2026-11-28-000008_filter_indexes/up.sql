-- A listing filtered by topic, region, author or organization is read from one index alone,
-- its count as well as its page: the filter, then what anonymous readers see (status, date),
-- then the order's tie-break and the trash check. With only `(topic_id, published_at)` the
-- planner walked every item of the date range through the public index and read each row to
-- check its topic (row reads that cross the body's overflow pages): 8,000 rows for one month
-- of one topic at a million items. The filter column comes first, so each index still serves
-- the foreign key checks and editors' listings.
DROP INDEX news_items_topic;
DROP INDEX news_items_region;
DROP INDEX news_items_author;
DROP INDEX news_items_organization;
CREATE INDEX news_items_topic ON news_items (topic_id, status, published_at, id, deleted_at);
CREATE INDEX news_items_region ON news_items (region_id, status, published_at, id, deleted_at);
CREATE INDEX news_items_author ON news_items (author_id, status, published_at, id, deleted_at);
CREATE INDEX news_items_organization ON news_items (organization_id, status, published_at, id, deleted_at);
