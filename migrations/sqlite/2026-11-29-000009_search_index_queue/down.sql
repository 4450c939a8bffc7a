DROP TRIGGER news_items_search_update;
DROP TRIGGER news_items_search_delete;
DROP TRIGGER news_items_search_insert;
DROP TABLE news_search_queue;
CREATE TRIGGER news_items_fts_insert AFTER INSERT ON news_items BEGIN
    INSERT INTO news_fts (rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
END;
CREATE TRIGGER news_items_fts_delete AFTER DELETE ON news_items BEGIN
    INSERT INTO news_fts (news_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body);
END;
CREATE TRIGGER news_items_fts_update AFTER UPDATE OF title, summary, body ON news_items BEGIN
    INSERT INTO news_fts (news_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body);
    INSERT INTO news_fts (rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
END;
