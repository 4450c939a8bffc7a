-- Webhooks: where partners want changes pushed, and what they want. `secret` signs each
-- delivery (Standard Webhooks); after a rotation the secret before it signs too, until
-- `previous_until`. `events` is a comma list of event types; `filters` a JSON object of slug
-- lists (`topic`, `region`, `lang`). `failing_since` is set by the first failure after a
-- success, and the webhook is disabled (`active` false, with the reason) when it lasts too long.
CREATE TABLE webhooks (
    id BIGSERIAL PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until TIMESTAMP,
    events TEXT NOT NULL,
    filters TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    disabled_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_success_at TIMESTAMP,
    last_failure_at TIMESTAMP,
    last_failure_status INTEGER,
    last_failure_error TEXT,
    failing_since TIMESTAMP
);

-- The outbox: each event is written in the transaction of the change that caused it, with the
-- body every delivery of it sends. `subject` (`news:7`, `organization:1`) is what order is
-- kept for: a later event of a subject waits until the earlier one is delivered.
CREATE TABLE webhook_events (
    id BIGSERIAL PRIMARY KEY,
    uid TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- One event to one webhook. `state`: pending (due at `next_attempt_at`), succeeded or failed
-- (retries ran out; they run for a day from `first_attempt_at`). A replica claims a delivery
-- until `claimed_until`, so no other sends it meanwhile; a replica that dies lets the claim
-- lapse, and one whose claim lapsed records nothing. `event_id` names its event, which is
-- forgotten only once no delivery names it (no foreign key: each write of an event checks
-- nothing more, and the hourly sweep of old deliveries looks at every row anyway).
CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL,
    subject TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_attempt_at TIMESTAMP,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    response_status INTEGER,
    duration_ms INTEGER,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (webhook_id, subject, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);

-- Every attempt of a delivery: the answer's status (none when the request failed), how long
-- it took, what went wrong, and the start of the answer's body.
CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    response_status INTEGER,
    duration_ms INTEGER NOT NULL,
    error TEXT,
    response_body TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
