-- A listing in a language walks what anonymous readers see, newest first, and asks of each
-- item its language and its story (is a better translation public?). With both in the index,
-- the items another language's listing passes over are never read: their rows are long, and
-- `lang` and `group_id` come after the body.
DROP INDEX news_items_public;
CREATE INDEX news_items_public ON news_items (status, published_at, id, deleted_at, lang, group_id) WHERE deleted_at IS NULL;
