-- What anonymous readers can list, counted per UTC day by the write path, so that a listing's
-- total costs the same at any archive size (`db::counts`). A view is a way of listing: every
-- item, or one item per story in an order of languages; `news_count_views` names the views the
-- counts were made for (emptied when they must be made again). `news_counts` holds, per view,
-- facet (0 every item, 1 topic, 2 region, 3 author, 4 organization), facet value and day
-- (days since 1970-01-01), how many items are counted; `news_counted` what each item adds, so
-- that a write takes back exactly what the item added before.
CREATE TABLE news_count_views (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE news_counts (
    view BIGINT NOT NULL,
    facet BIGINT NOT NULL,
    value BIGINT NOT NULL,
    day BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (view, facet, value, day)
);
CREATE TABLE news_counted (
    news_id BIGINT PRIMARY KEY REFERENCES news_items (id) ON DELETE CASCADE,
    views BIGINT NOT NULL,
    day BIGINT NOT NULL,
    topic_id BIGINT,
    region_id BIGINT,
    author_id BIGINT,
    organization_id BIGINT
);
