-- The audit trail: one entry per sign-in attempt and per write, in the write's own
-- transaction. Each entry holds the hash of the one before it, so an edited or deleted entry
-- shows; `audit_head` holds the newest entry's number and hash, and where the oldest kept
-- entries were cut (retention), the number and hash of the last entry cut.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    resource_id TEXT,
    address TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    anchor_seq BIGINT NOT NULL,
    anchor_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash, anchor_seq, anchor_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000',
        0, '0000000000000000000000000000000000000000000000000000000000000000');
