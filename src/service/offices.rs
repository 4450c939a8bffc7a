//! An organization's offices: what a client sends and sees, and how they are stored (the
//! CRUD rules they share with bodies are in `parts`).

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::parts::Part;
use crate::db::organizations::{OfficeForm, OfficeRow};
use crate::db::revisions::Entity;
use crate::db::terms::TermKind;
use crate::db::{self, DbConn};
use crate::domain::audit::Resource;
use crate::domain::dates::{self, utc};
use crate::domain::ids::{OfficeId, OrganizationId, TermId};
use crate::domain::organization::{CountryCode, OfficeKind};
use crate::domain::patch::{not_null, nullable};
use crate::domain::slug::Key;
use crate::domain::text::Name;
use crate::error::{ApiError, FieldError, Fields};

/// An office of an organization.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "Headquarters", "kind": "headquarters", "city": "Lyon",
    "country": "FR", "region": null, "sort_order": 1,
    "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z"}))]
pub struct Office {
    pub id: OfficeId,
    pub name: String,
    pub kind: OfficeKind,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Slug of a region.
    pub region: Option<String>,
    /// Offices are listed by this, then by id.
    pub sort_order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Office {
    fn new(row: OfficeRow, region: Option<String>) -> Self {
        Self {
            id: row.id,
            name: row.name,
            kind: row.kind,
            city: row.city,
            country: row.country,
            region,
            sort_order: row.sort_order,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// Offices with their region slugs, one query for all regions.
fn hydrate(conn: &mut DbConn, rows: Vec<OfficeRow>) -> Result<Vec<Office>, ApiError> {
    let ids: Vec<TermId> = rows.iter().filter_map(|r| r.region_id).collect();
    let slugs: std::collections::HashMap<TermId, String> = db::terms::slugs(conn, &ids)?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let region = row.region_id.and_then(|id| slugs.get(&id).cloned());
            Office::new(row, region)
        })
        .collect())
}

fn one(conn: &mut DbConn, row: OfficeRow) -> Result<Office, ApiError> {
    hydrate(conn, vec![row])?.pop().ok_or_else(|| ApiError::internal(std::fmt::Error))
}

/// A complete office to create or replace one with.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Regional Bureau", "kind": "regional_office", "city": "Nairobi", "country": "KE", "region": "africa"}))]
pub struct OfficeWrite {
    #[schema(value_type = Name)]
    pub name: String,
    pub kind: OfficeKind,
    #[serde(default)]
    #[schema(value_type = Option<Name>)]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    #[serde(default)]
    #[schema(value_type = Option<CountryCode>)]
    pub country: Option<String>,
    /// Slug of an existing region.
    #[serde(default)]
    #[schema(example = "africa")]
    pub region: Option<String>,
    #[serde(default)]
    pub sort_order: i32,
}

/// An office to store, every field valid; its region is a slug still to be found.
pub struct ValidOffice {
    name: Name,
    kind: OfficeKind,
    city: Option<Name>,
    country: Option<CountryCode>,
    region: Option<String>,
    sort_order: i32,
}

/// A partial update: absent fields are kept, `null` clears a nullable one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficePatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Name>, nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub kind: Option<OfficeKind>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Name>)]
    pub city: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<CountryCode>)]
    pub country: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub sort_order: Option<i32>,
}

impl Part for Office {
    const NOUN: &'static str = "office";
    const RESOURCE: Resource = Resource::Office;
    type Write = OfficeWrite;
    type Patch = OfficePatch;
    type Id = OfficeId;
    type Valid = ValidOffice;

    const TRANSLATED: &'static [&'static str] = &["name"];

    fn id(&self) -> OfficeId {
        self.id
    }

    fn id_number(&self) -> i64 {
        self.id.0
    }

    fn entity(id: i64) -> Entity {
        Entity::Office(OfficeId(id))
    }

    fn validate(write: OfficeWrite) -> Result<ValidOffice, ApiError> {
        let mut fields = Fields::default();
        let name = fields.read("name", Name::parse(write.name));
        let city = fields.read_optional("city", write.city, Name::parse);
        let country = fields.read_optional("country", write.country, CountryCode::parse);
        fields.finish(|| {
            Some(ValidOffice {
                name: name?,
                kind: write.kind,
                city: city?,
                country: country?,
                region: write.region,
                sort_order: write.sort_order,
            })
        })
    }

    fn apply(patch: OfficePatch, current: Self) -> OfficeWrite {
        OfficeWrite {
            name: patch.name.unwrap_or(current.name),
            kind: patch.kind.unwrap_or(current.kind),
            city: patch.city.unwrap_or(current.city),
            country: patch.country.unwrap_or(current.country),
            region: patch.region.unwrap_or(current.region),
            sort_order: patch.sort_order.unwrap_or(current.sort_order),
        }
    }

    fn list(conn: &mut DbConn, organization_id: OrganizationId) -> Result<Vec<Self>, ApiError> {
        let rows = db::organizations::offices(conn, organization_id)?;
        hydrate(conn, rows)
    }

    fn find(conn: &mut DbConn, organization_id: OrganizationId, id: OfficeId) -> Result<Option<Self>, ApiError> {
        match db::organizations::office(conn, organization_id, id).optional()? {
            Some(row) => one(conn, row).map(Some),
            None => Ok(None),
        }
    }

    /// Resolves the region and stores the office, new or over `current`.
    fn save(
        conn: &mut DbConn,
        office: &ValidOffice,
        organization_id: OrganizationId,
        current: Option<OfficeId>,
    ) -> Result<Self, ApiError> {
        let region_id = match &office.region {
            Some(slug) => Some(
                db::terms::find(conn, TermKind::Region, &Key::Slug(slug.clone()))
                    .optional()?
                    .ok_or_else(|| {
                        ApiError::invalid_fields(vec![FieldError::new(
                            "region",
                            format!("no region with slug `{slug}`"),
                        )])
                    })?
                    .id,
            ),
            None => None,
        };
        let form = OfficeForm {
            name: office.name.as_str(),
            kind: office.kind,
            city: office.city.as_ref().map(Name::as_str),
            country: office.country.as_ref().map(CountryCode::as_str),
            region_id,
            sort_order: office.sort_order,
            updated_at: dates::now().naive_utc(),
        };
        let row = match current {
            Some(id) => db::organizations::update_office(conn, id, &form)?,
            None => db::organizations::insert_office(conn, organization_id, &form)?,
        };
        one(conn, row)
    }

    fn delete(conn: &mut DbConn, id: OfficeId) -> Result<(), ApiError> {
        db::organizations::delete_office(conn, id)?;
        Ok(())
    }
}
