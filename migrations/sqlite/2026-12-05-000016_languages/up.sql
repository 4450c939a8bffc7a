-- Items in several languages. `lang` is the item's language (one of the site's; every item
-- written before was English). A translation is an item of its own; the items of one story
-- share `group_id`, the id of one of them (an item alone is its own group). The index keeps a
-- group to one live item per language and finds an item's translations.
ALTER TABLE news_items ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
ALTER TABLE news_items ADD COLUMN group_id INTEGER NOT NULL DEFAULT 0;
UPDATE news_items SET group_id = id;
CREATE UNIQUE INDEX news_items_group_lang ON news_items (group_id, lang) WHERE deleted_at IS NULL;
