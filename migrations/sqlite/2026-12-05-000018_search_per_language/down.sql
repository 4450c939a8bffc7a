DROP INDEX news_items_unmade_words;
DROP TRIGGER news_items_search_insert;
DROP TRIGGER news_items_search_delete;
DROP TRIGGER news_items_search_update;
DROP TABLE news_search_queue;
DROP TABLE news_fts;
ALTER TABLE news_items DROP COLUMN search_text;
ALTER TABLE news_items DROP COLUMN search_title;
CREATE VIRTUAL TABLE news_fts USING fts5 (
    title, summary, body,
    content = 'news_items', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO news_fts (news_fts) VALUES ('rebuild');
CREATE TABLE news_search_queue (
    item_id INTEGER PRIMARY KEY NOT NULL,
    indexed BOOLEAN NOT NULL,
    title TEXT,
    summary TEXT,
    body TEXT
);
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
