-- An organization's profile in the site's other languages: one document per language, the
-- translated fields of the profile, its bodies and its offices (JSON, as the API takes it).
CREATE TABLE organization_translations (
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    document TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, lang)
);
-- Bodies and offices keep revisions too, so that the profile can be read as it was. SQLite
-- cannot change a CHECK constraint: the table is made again.
CREATE TABLE revisions_new (
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
INSERT INTO revisions_new SELECT id, entity, entity_id, revision, created_at, username, restored_from, snapshot FROM revisions;
DROP TABLE revisions;
ALTER TABLE revisions_new RENAME TO revisions;
