-- The service core: organizations, taxonomy terms, authors and news items.
-- Timestamps are UTC, written by the application (never by SQL defaults) so that every
-- backend stores the same instants with the same precision.

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Topics and regions share one shape and one table; `kind` tells them apart.
CREATE TABLE terms (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('topic', 'region')),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (kind, slug)
);

CREATE TABLE authors (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    bio TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE news_items (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    topic_id INTEGER REFERENCES terms (id),
    region_id INTEGER REFERENCES terms (id),
    author_id INTEGER REFERENCES authors (id),
    organization_id INTEGER REFERENCES organizations (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at TIMESTAMP,
    reading_time_seconds INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Keyset paging and date ranges walk these indexes; the id breaks ties.
CREATE INDEX news_items_published_at ON news_items (published_at, id);
CREATE INDEX news_items_updated_at ON news_items (updated_at, id);
CREATE INDEX news_items_title ON news_items (title, id);
CREATE INDEX news_items_topic ON news_items (topic_id, published_at);
CREATE INDEX news_items_region ON news_items (region_id, published_at);
CREATE INDEX news_items_author ON news_items (author_id, published_at);
CREATE INDEX news_items_organization ON news_items (organization_id, published_at);

CREATE TABLE news_tags (
    news_id INTEGER NOT NULL REFERENCES news_items (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (news_id, tag)
);
CREATE INDEX news_tags_tag ON news_tags (tag, news_id);

-- Full-text index over the news text, kept in step by triggers (an external-content table:
-- the text is stored once, in news_items).
CREATE VIRTUAL TABLE news_fts USING fts5 (
    title, summary, body,
    content = 'news_items', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER news_items_fts_insert AFTER INSERT ON news_items BEGIN
    INSERT INTO news_fts (rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
END;
CREATE TRIGGER news_items_fts_delete AFTER DELETE ON news_items BEGIN
    INSERT INTO news_fts (news_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body);
END;
CREATE TRIGGER news_items_fts_update AFTER UPDATE OF title, summary, body ON news_items BEGIN
    INSERT INTO news_fts (news_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body);
    INSERT INTO news_fts (rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
END;
