DROP TABLE organization_translations;
DELETE FROM revisions WHERE entity IN ('body', 'office');
ALTER TABLE revisions DROP CONSTRAINT revisions_entity_check,
    ADD CONSTRAINT revisions_entity_check CHECK (entity IN ('news', 'organization'));
