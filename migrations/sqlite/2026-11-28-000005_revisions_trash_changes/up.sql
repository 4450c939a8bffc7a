-- Nothing written is lost: every version of an item or a profile is kept as a revision,
-- deleting an item moves it to the trash, and partner mirrors follow every change.

-- Every stored version, as the API showed it then (JSON), numbered per item from 1.
CREATE TABLE revisions (
    id INTEGER PRIMARY KEY NOT NULL,
    entity TEXT NOT NULL CHECK (entity IN ('news', 'organization')),
    entity_id BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    username TEXT,
    restored_from BIGINT,
    snapshot TEXT NOT NULL,
    UNIQUE (entity, entity_id, revision)
);

-- A trashed item keeps its row, and so its slug, until it is purged.
ALTER TABLE news_items ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE news_items ADD COLUMN deleted_by TEXT;
CREATE INDEX news_items_deleted_at ON news_items (deleted_at);

-- The sync feed. Every change to an item takes the next number of one counter; the item keeps
-- only its latest, with whether it was public then. A scheduled item is announced (numbered
-- again) once its time has come. The row outlives a purged item: its id is never given again.
ALTER TABLE content_clock ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE TABLE news_changes (
    news_id BIGINT PRIMARY KEY NOT NULL,
    change_seq BIGINT NOT NULL,
    change_at TIMESTAMP NOT NULL,
    public BOOLEAN NOT NULL,
    -- Once public, a mirror may hold it: leaving public view must then be told as a deletion.
    ever_public BOOLEAN NOT NULL
);
CREATE INDEX news_changes_change_seq ON news_changes (change_seq);
-- Items already stored start unannounced: the first read of the feed announces those that
-- are public, in publication order.
INSERT INTO news_changes (news_id, change_seq, change_at, public, ever_public)
    SELECT id, 0, updated_at, 0, 0 FROM news_items;
