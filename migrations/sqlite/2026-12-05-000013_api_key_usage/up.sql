-- Requests admitted per partner key and calendar minute (Unix time / 60), summed over the
-- replicas that share a database: each adds what it admitted about once a second and learns
-- the total. Rows older than the previous minute are deleted.
CREATE TABLE api_key_usage (
    key_id BIGINT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    minute BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (key_id, minute)
);
