DROP INDEX news_items_story;
ALTER TABLE news_items DROP COLUMN group_id, DROP COLUMN lang;
