-- Long text is compressed with LZ4 rather than PostgreSQL's default, pglz, which costs several
-- times as much to compress and to read back: every listing reads its items' bodies, every
-- create and import compresses them (docs/PERFORMANCE.md). Rows written before keep pglz until
-- written again; both are read alike. A server built without LZ4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE news_items
        ALTER COLUMN body SET COMPRESSION lz4,
        ALTER COLUMN search_text SET COMPRESSION lz4,
        ALTER COLUMN search SET COMPRESSION lz4;
    ALTER TABLE revisions ALTER COLUMN snapshot SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server has no LZ4: long text stays compressed with pglz';
END
$$;
