-- WebSub subscriptions to this service's feeds (`topic`: a feed URL with its parameters),
-- verified with their subscriber before they are stored, and until `expires_at` (the lease).
-- `sent_hash` is the SHA-256 of the feed document last delivered: a feed whose document
-- hashes otherwise has changed and is pushed again. A failed push is tried again at
-- `next_attempt_at`; a replica pushing claims the row until `claimed_until`.
CREATE TABLE websub_subscriptions (
    id INTEGER PRIMARY KEY NOT NULL,
    callback TEXT NOT NULL,
    topic TEXT NOT NULL,
    secret TEXT,
    lease_seconds BIGINT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    sent_hash TEXT,
    failures INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (callback, topic)
);
CREATE INDEX websub_subscriptions_topic ON websub_subscriptions (topic);
