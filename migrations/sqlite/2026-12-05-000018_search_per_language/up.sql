-- Search in each item's language. The words search matches are made by the service (stemmed
-- in the item's language, diacritics folded) and kept with the item: `search_title` and
-- `search_text` (summary and body), so that both backends match the same items. Items stored
-- before have none yet: the service makes them at start (an empty `search_title`), finding
-- them by an index that holds only them.
ALTER TABLE news_items ADD COLUMN search_title TEXT NOT NULL DEFAULT '';
ALTER TABLE news_items ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

DROP TRIGGER news_items_search_insert;
DROP TRIGGER news_items_search_delete;
DROP TRIGGER news_items_search_update;
DROP TABLE news_search_queue;
DROP TABLE news_fts;

-- The index reads the words as they are (the service stemmed and folded them); `lang` lets a
-- search ask for each language's own stems, and weighs nothing in the ranking.
CREATE VIRTUAL TABLE news_fts USING fts5 (
    lang, search_title, search_text,
    content = 'news_items', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO news_fts (news_fts, rank) VALUES ('rank', 'bm25(0.0, 4.0, 1.0)');

-- As before (migration 000009): the items changed in a transaction, indexed once at its end;
-- `indexed` rows hold what the index holds of the item, to take out of it.
CREATE TABLE news_search_queue (
    item_id INTEGER PRIMARY KEY NOT NULL,
    indexed BOOLEAN NOT NULL,
    lang TEXT,
    search_title TEXT,
    search_text TEXT
);
CREATE TRIGGER news_items_search_insert AFTER INSERT ON news_items BEGIN
    INSERT OR IGNORE INTO news_search_queue (item_id, indexed) VALUES (new.id, FALSE);
END;
CREATE TRIGGER news_items_search_delete AFTER DELETE ON news_items BEGIN
    INSERT OR IGNORE INTO news_search_queue (item_id, indexed, lang, search_title, search_text)
    VALUES (old.id, old.search_title <> '', old.lang, old.search_title, old.search_text);
END;
CREATE TRIGGER news_items_search_update AFTER UPDATE OF lang, search_title, search_text ON news_items BEGIN
    INSERT OR IGNORE INTO news_search_queue (item_id, indexed, lang, search_title, search_text)
    VALUES (old.id, old.search_title <> '', old.lang, old.search_title, old.search_text);
END;
CREATE INDEX news_items_unmade_words ON news_items (id) WHERE search_title = '';
