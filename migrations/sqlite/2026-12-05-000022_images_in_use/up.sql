-- A news item's featured image and an organization's logo. An image in use cannot be deleted
-- (the foreign keys refuse it: 409); the indexes make that check a lookup.
ALTER TABLE news_items ADD COLUMN image_id BIGINT REFERENCES media (id);
ALTER TABLE organizations ADD COLUMN logo_id BIGINT REFERENCES media (id);
CREATE INDEX news_items_image ON news_items (image_id) WHERE image_id IS NOT NULL;
CREATE INDEX organizations_logo ON organizations (logo_id) WHERE logo_id IS NOT NULL;
