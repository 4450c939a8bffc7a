-- When anything stored last changed. Feeds answer it (with the latest publication) as
-- Last-Modified: deletions and unpublishing leave no row behind to date them otherwise.
CREATE TABLE content_clock (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    changed_at TIMESTAMP NOT NULL
);
INSERT INTO content_clock (id, changed_at) VALUES (1, '1970-01-01 00:00:00');
