-- The search index follows the store by `search_seq`: each write transaction takes the next
-- number (the clock's row is its first write, so numbers follow commit order, on PostgreSQL
-- too) and stamps it on the change row of every item of the stories it wrote. An index that
-- has read up to number N reads the items stamped after N to catch up; a purged item's change
-- row stays, so the index learns it is gone. `search_epoch` names the store's
-- content: an import makes a new one, and an index made of other content is made anew.
ALTER TABLE content_clock ADD COLUMN search_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE content_clock ADD COLUMN search_epoch BIGINT NOT NULL DEFAULT 0;
UPDATE content_clock SET search_epoch = abs(random());
ALTER TABLE news_changes ADD COLUMN search_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX news_changes_search_seq ON news_changes (search_seq, news_id);
