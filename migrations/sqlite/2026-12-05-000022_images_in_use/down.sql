DROP INDEX organizations_logo;
DROP INDEX news_items_image;
ALTER TABLE organizations DROP COLUMN logo_id;
ALTER TABLE news_items DROP COLUMN image_id;
