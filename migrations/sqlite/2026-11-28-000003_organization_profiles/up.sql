-- The organization profile: who it is, how it is governed, where its offices are.

ALTER TABLE organizations ADD COLUMN full_name TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN tagline TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN member_count BIGINT CHECK (member_count >= 0);
ALTER TABLE organizations ADD COLUMN website TEXT;
ALTER TABLE organizations ADD COLUMN headquarters_city TEXT;
ALTER TABLE organizations ADD COLUMN headquarters_country TEXT;

-- Governing and working bodies. Deleting an organization deletes its bodies and offices.
CREATE TABLE organization_bodies (
    id INTEGER PRIMARY KEY NOT NULL,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
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
    id INTEGER PRIMARY KEY NOT NULL,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    city TEXT,
    country TEXT,
    region_id INTEGER REFERENCES terms (id),
    sort_order INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organization_offices_organization ON organization_offices (organization_id, sort_order, id);
CREATE INDEX organization_offices_region ON organization_offices (region_id);
