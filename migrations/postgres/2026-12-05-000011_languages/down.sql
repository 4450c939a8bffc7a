DROP INDEX news_items_group_lang;
ALTER TABLE news_items DROP COLUMN group_id, DROP COLUMN lang;
