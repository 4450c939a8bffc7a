-- Search in each item's language. The words search matches are made by the service (stemmed
-- in the item's language, diacritics folded) and kept with the item: `search_title` and
-- `search_text` (summary and body), so that both backends match the same items. Items stored
-- before have none yet: the service makes them at start (an empty `search_title`), finding
-- them by an index that holds only them.
ALTER TABLE news_items ADD COLUMN search_title TEXT NOT NULL DEFAULT '',
    ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
DROP INDEX news_items_search;
ALTER TABLE news_items DROP COLUMN search;
-- The words as they are (`simple`: no stemming of its own), the title weighing most.
ALTER TABLE news_items ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', search_title), 'A') || setweight(to_tsvector('simple', search_text), 'C')
) STORED;
CREATE INDEX news_items_search ON news_items USING GIN (search) WITH (fastupdate = off);
CREATE INDEX news_items_unmade_words ON news_items (id) WHERE search_title = '';
