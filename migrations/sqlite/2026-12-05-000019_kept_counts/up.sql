-- What anonymous readers can list, counted per UTC day by the write path, so that a listing's
-- total costs the same at any archive size (`db::counts`). A view is a way of listing: every
-- item, or one item per story in an order of languages; `news_count_views` names the views the
-- counts were made for (emptied when they must be made again). `news_counts` holds, per view,
-- facet (0 every item, 1 topic, 2 region, 3 author, 4 organization), facet value and day
-- (days since 1970-01-01), how many items are counted; `news_counted` what each item adds, so
-- that a write takes back exactly what the item added before.
CREATE TABLE news_count_views (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE news_counts (
    view INTEGER NOT NULL,
    facet INTEGER NOT NULL,
    value INTEGER NOT NULL,
    day INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (view, facet, value, day)
) WITHOUT ROWID;
CREATE TABLE news_counted (
    news_id INTEGER NOT NULL PRIMARY KEY REFERENCES news_items (id) ON DELETE CASCADE,
    views INTEGER NOT NULL,
    day INTEGER NOT NULL,
    topic_id INTEGER,
    region_id INTEGER,
    author_id INTEGER,
    organization_id INTEGER
);
