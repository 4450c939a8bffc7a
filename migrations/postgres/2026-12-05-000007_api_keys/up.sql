-- Partner keys: `nd_<prefix>_<secret>`, stored as the SHA-256 of the whole key. After a
-- rotation the previous key's hash keeps working until `previous_until`. Scopes are a comma
-- list of `read`, `preview` and `write`; `rate_limit` is requests per minute.
CREATE TABLE api_keys (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    previous_hash TEXT,
    previous_until TIMESTAMP,
    scopes TEXT NOT NULL,
    rate_limit BIGINT NOT NULL CHECK (rate_limit > 0),
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
