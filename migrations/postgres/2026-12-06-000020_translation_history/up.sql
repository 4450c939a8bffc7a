-- A profile's translations keep revisions too (all its languages in one), so that the profile
-- can be read in a language as it was.
ALTER TABLE revisions DROP CONSTRAINT revisions_entity_check,
    ADD CONSTRAINT revisions_entity_check CHECK (entity IN ('news', 'organization', 'body', 'office', 'translations'));
