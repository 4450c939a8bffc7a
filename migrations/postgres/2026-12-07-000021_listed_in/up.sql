-- Each item's bit per kept view (`db::counts`): set where the story is listed by this item in
-- that view once its scheduled items are out. In the public index, so that a listing in a
-- language with fallback tells which of the items it walks are their story's best without
-- looking up the story's other items.
ALTER TABLE news_items ADD COLUMN listed_in BIGINT NOT NULL DEFAULT 0;
DROP INDEX news_items_public;
CREATE INDEX news_items_public ON news_items (status, published_at, id, deleted_at, lang, group_id, listed_in) WHERE deleted_at IS NULL;
-- Made anew, with the bits, at the next start.
DELETE FROM news_counts;
DELETE FROM news_counted;
DELETE FROM news_count_views;
