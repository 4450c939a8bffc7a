-- Uploaded images. Their files are kept in the media store (`media::store`), named by `hash`
-- (of the upload), width and format: the image at its own size (`mime`, `width`, `height`,
-- `bytes`) and each variant listed in `variants` (a JSON array of width, height, type and
-- bytes). Several rows may share a hash (the same file uploaded twice): a file goes when the
-- last row naming it does.
CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    mime TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    alt TEXT NOT NULL,
    caption TEXT,
    credit TEXT,
    focal_x DOUBLE NOT NULL,
    focal_y DOUBLE NOT NULL,
    placeholder TEXT NOT NULL,
    variants TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX media_hash ON media (hash);
