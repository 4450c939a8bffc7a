-- A profile's translations keep revisions too (all its languages in one), so that the profile
-- can be read in a language as it was. SQLite cannot change a CHECK constraint: the table is
-- made again.
CREATE TABLE revisions_new (
    id INTEGER PRIMARY KEY NOT NULL,
    entity TEXT NOT NULL CHECK (entity IN ('news', 'organization', 'body', 'office', 'translations')),
    entity_id BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    username TEXT,
    restored_from BIGINT,
    snapshot TEXT NOT NULL,
    UNIQUE (entity, entity_id, revision)
);
INSERT INTO revisions_new SELECT id, entity, entity_id, revision, created_at, username, restored_from, snapshot FROM revisions;
DROP TABLE revisions;
ALTER TABLE revisions_new RENAME TO revisions;
