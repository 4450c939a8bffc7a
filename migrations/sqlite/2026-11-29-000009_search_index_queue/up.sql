-- The search index learns of changed items at the end of each write transaction instead of at
-- each statement. FTS5 writes what it holds in memory to disk as a new segment whenever a
-- statement or savepoint begins after a change to it, so indexing from triggers wrote one
-- segment (and merged segments) per item, even when many items commit together.
--
-- `news_search_queue` holds, for each item changed in the open transaction, what the index
-- holds of it: nothing (`indexed` false: a new item), or its old text (to delete from the
-- index, which must be given exactly what it was given). The first change of an item in a
-- transaction keeps its row (`OR IGNORE`); `search::index_queued` empties the queue before
-- every commit, indexing each item once as it then is.
CREATE TABLE news_search_queue (
    item_id INTEGER PRIMARY KEY NOT NULL,
    indexed BOOLEAN NOT NULL,
    title TEXT,
    summary TEXT,
    body TEXT
);
DROP TRIGGER news_items_fts_insert;
DROP TRIGGER news_items_fts_delete;
DROP TRIGGER news_items_fts_update;
CREATE TRIGGER news_items_search_insert AFTER INSERT ON news_items BEGIN
    INSERT OR IGNORE INTO news_search_queue (item_id, indexed) VALUES (new.id, FALSE);
END;
CREATE TRIGGER news_items_search_delete AFTER DELETE ON news_items BEGIN
    INSERT OR IGNORE INTO news_search_queue (item_id, indexed, title, summary, body)
    VALUES (old.id, TRUE, old.title, old.summary, old.body);
END;
CREATE TRIGGER news_items_search_update AFTER UPDATE OF title, summary, body ON news_items BEGIN
    INSERT OR IGNORE INTO news_search_queue (item_id, indexed, title, summary, body)
    VALUES (old.id, TRUE, old.title, old.summary, old.body);
END;
