-- Counts the writes, so that an answer computed at one count is known to be current while the
-- count stays the same (the response cache of every replica checks it). A timestamp could
-- repeat when two writes share a microsecond or the clock steps back.
ALTER TABLE content_clock ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
