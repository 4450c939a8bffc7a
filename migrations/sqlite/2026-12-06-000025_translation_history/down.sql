DELETE FROM revisions WHERE entity = 'translations';
CREATE TABLE revisions_old (
    id INTEGER PRIMARY KEY NOT NULL,
    entity TEXT NOT NULL CHECK (entity IN ('news', 'organization', 'body', 'office')),
    entity_id BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    username TEXT,
    restored_from BIGINT,
    snapshot TEXT NOT NULL,
    UNIQUE (entity, entity_id, revision)
);
INSERT INTO revisions_old SELECT id, entity, entity_id, revision, created_at, username, restored_from, snapshot FROM revisions;
DROP TABLE revisions;
ALTER TABLE revisions_old RENAME TO revisions;
