-- Items in several languages. `lang` is the item's language (one of the site's; every item
-- written before was English). A translation is an item of its own; the items of one story
-- share `group_id`, the id of one of them (an item alone is its own group); a group has one
-- live item per language (checked by the write path, whose writes take turns). The index finds
-- an item's translations, and holds what a listing in a language asks of a story's other items
-- (is a better one public?), so that it never reads their rows (`deleted_at` too: SQLite reads
-- the condition of a partial index from its columns).
ALTER TABLE news_items ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
ALTER TABLE news_items ADD COLUMN group_id INTEGER NOT NULL DEFAULT 0;
UPDATE news_items SET group_id = id;
CREATE INDEX news_items_story ON news_items (group_id, lang, status, published_at, deleted_at) WHERE deleted_at IS NULL;
