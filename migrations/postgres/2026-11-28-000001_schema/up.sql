-- The whole schema on PostgreSQL: the same tables, columns and rules as the SQLite migrations
-- (`migrations/sqlite/`), which grew in five steps before this backend existed.
-- Timestamps are UTC in `TIMESTAMP` columns, written by the application.

CREATE TABLE organizations (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    full_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    tagline TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    member_count BIGINT CHECK (member_count >= 0),
    website TEXT,
    headquarters_city TEXT,
    headquarters_country TEXT
);

CREATE TABLE terms (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('topic', 'region')),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (kind, slug)
);

CREATE TABLE authors (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    bio TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Ids are chosen by the application (never one of a purged item), so no sequence here.
CREATE TABLE news_items (
    id BIGINT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    topic_id BIGINT REFERENCES terms (id),
    region_id BIGINT REFERENCES terms (id),
    author_id BIGINT REFERENCES authors (id),
    organization_id BIGINT REFERENCES organizations (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at TIMESTAMP,
    reading_time_seconds INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    deleted_by TEXT,
    -- Full-text search: English stemming, the title weighing most. Kept by PostgreSQL itself.
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', summary), 'B')
        || setweight(to_tsvector('english', body), 'C')
    ) STORED
);

CREATE INDEX news_items_published_at ON news_items (published_at, id);
CREATE INDEX news_items_updated_at ON news_items (updated_at, id);
CREATE INDEX news_items_title ON news_items (title, id);
CREATE INDEX news_items_topic ON news_items (topic_id, published_at);
CREATE INDEX news_items_region ON news_items (region_id, published_at);
CREATE INDEX news_items_author ON news_items (author_id, published_at);
CREATE INDEX news_items_organization ON news_items (organization_id, published_at);
CREATE INDEX news_items_deleted_at ON news_items (deleted_at);
CREATE INDEX news_items_search ON news_items USING GIN (search);

CREATE TABLE news_tags (
    news_id BIGINT NOT NULL REFERENCES news_items (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (news_id, tag)
);
CREATE INDEX news_tags_tag ON news_tags (tag, news_id);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
    disabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE organization_bodies (
    id BIGSERIAL PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    leader_title TEXT,
    meeting_cadence TEXT,
    sort_order INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organization_bodies_organization ON organization_bodies (organization_id, sort_order, id);

CREATE TABLE organization_offices (
    id BIGSERIAL PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    city TEXT,
    country TEXT,
    region_id BIGINT REFERENCES terms (id),
    sort_order INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organization_offices_organization ON organization_offices (organization_id, sort_order, id);
CREATE INDEX organization_offices_region ON organization_offices (region_id);

-- When anything stored last changed, and the last number of the change feed. Every write
-- updates this one row, so writers queue on its lock and numbers follow commit order.
CREATE TABLE content_clock (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    changed_at TIMESTAMP NOT NULL,
    change_seq BIGINT NOT NULL DEFAULT 0
);
INSERT INTO content_clock (id, changed_at, change_seq) VALUES (1, '1970-01-01 00:00:00', 0);

CREATE TABLE revisions (
    id BIGSERIAL PRIMARY KEY,
    entity TEXT NOT NULL CHECK (entity IN ('news', 'organization')),
    entity_id BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    username TEXT,
    restored_from BIGINT,
    snapshot TEXT NOT NULL,
    UNIQUE (entity, entity_id, revision)
);

CREATE TABLE news_changes (
    news_id BIGINT PRIMARY KEY,
    change_seq BIGINT NOT NULL,
    change_at TIMESTAMP NOT NULL,
    public BOOLEAN NOT NULL,
    ever_public BOOLEAN NOT NULL
);
CREATE INDEX news_changes_change_seq ON news_changes (change_seq);
