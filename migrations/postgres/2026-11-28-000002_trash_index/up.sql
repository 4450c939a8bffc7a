-- Only the trash looks items up by `deleted_at`. A full index on it misled SQLite's planner:
-- `deleted_at IS NULL` (true of nearly every row) looked selective, and listings scanned the
-- whole table through it instead of walking the publication-date index.
DROP INDEX news_items_deleted_at;
CREATE INDEX news_items_trashed ON news_items (deleted_at, id) WHERE deleted_at IS NOT NULL;
-- What anonymous readers see, newest first, and its count, read from the index alone
-- (`deleted_at` is in it so that SQLite need not visit the rows to check it).
CREATE INDEX news_items_public ON news_items (status, published_at, id, deleted_at) WHERE deleted_at IS NULL;
-- New entries go straight into the search index: with the pending list (fastupdate), searches
-- after a bulk import scanned megabytes of unmerged entries until the next vacuum.
ALTER INDEX news_items_search SET (fastupdate = off);
