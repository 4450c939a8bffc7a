DROP INDEX news_items_unmade_words;
DROP INDEX news_items_search;
ALTER TABLE news_items DROP COLUMN search, DROP COLUMN search_title, DROP COLUMN search_text;
ALTER TABLE news_items ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A')
    || setweight(to_tsvector('english', summary), 'B')
    || setweight(to_tsvector('english', body), 'C')
) STORED;
CREATE INDEX news_items_search ON news_items USING GIN (search) WITH (fastupdate = off);
