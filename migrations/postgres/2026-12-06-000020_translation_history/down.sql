DELETE FROM revisions WHERE entity = 'translations';
ALTER TABLE revisions DROP CONSTRAINT revisions_entity_check,
    ADD CONSTRAINT revisions_entity_check CHECK (entity IN ('news', 'organization', 'body', 'office'));
