-- An organization's profile in the site's other languages: one document per language, the
-- translated fields of the profile, its bodies and its offices (JSON, as the API takes it).
CREATE TABLE organization_translations (
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    document TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, lang)
);
-- Bodies and offices keep revisions too, so that the profile can be read as it was.
ALTER TABLE revisions DROP CONSTRAINT revisions_entity_check,
    ADD CONSTRAINT revisions_entity_check CHECK (entity IN ('news', 'organization', 'body', 'office'));
