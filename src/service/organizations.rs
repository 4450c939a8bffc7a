//! Organization profiles: the representation clients see, and the rules of a write (every
//! field checked, the revision kept). Their bodies and offices are in `bodies` and `offices`.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::media::MediaRow;
use crate::db::organizations::{OrganizationForm, OrganizationRow};
use crate::db::revisions::{self, Entity, Origin};
use crate::db::{self, DbConn};
use crate::domain::audit::{Action, Actor, Entry, Resource, Verb};
use crate::domain::dates::{self, utc};
use crate::domain::ids::{MediaId, OrganizationId};
use crate::domain::media::{Media, ShownMedia};
use crate::domain::organization::{CountryCode, Website};
use crate::domain::patch::{not_null, nullable};
use crate::domain::slug::Slug;
use crate::domain::text::{Caption, Description, Label, Name};
use crate::domain::webhooks::EventType;
use crate::error::{ApiError, FieldError, Fields};
use crate::media::MediaUrls;
use crate::state::AppState;

/// An organization's public profile.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "slug": "interpol", "name": "INTERPOL", "full_name": "International Criminal Police Organization",
    "kind": "inter-governmental organization", "tagline": "...", "description": "... (markdown)",
    "member_count": 195, "website": null, "headquarters": {"city": "Lyon", "country": "FR"},
    "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z"
}))]
pub struct Organization {
    pub id: OrganizationId,
    pub slug: String,
    /// Short name.
    pub name: String,
    pub full_name: String,
    /// Free text, e.g. `inter-governmental organization`.
    pub kind: String,
    pub tagline: String,
    /// Markdown.
    pub description: String,
    pub member_count: Option<i64>,
    pub website: Option<String>,
    pub headquarters: Option<Place>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The organization's logo, with its variants (written with `logo_id`).
    #[schema(value_type = Option<Media>)]
    pub logo: Option<ShownMedia>,
}

/// A city and its country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Place {
    #[schema(value_type = Option<Name>)]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(value_type = Option<CountryCode>)]
    pub country: Option<String>,
}

/// Only a JSON object is a place: serde's derive would also take an array of its fields.
impl<'de> Deserialize<'de> for Place {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Object {
            #[serde(default)]
            city: Option<String>,
            #[serde(default)]
            country: Option<String>,
        }
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(de)?;
        let fields = Object::deserialize(serde_json::Value::Object(map)).map_err(serde::de::Error::custom)?;
        Ok(Self { city: fields.city, country: fields.country })
    }
}

/// A stored place, if it names anything.
fn headquarters(row: &OrganizationRow) -> Option<Place> {
    let has_headquarters = row.headquarters_city.is_some() || row.headquarters_country.is_some();
    has_headquarters.then(|| Place { city: row.headquarters_city.clone(), country: row.headquarters_country.clone() })
}

impl Organization {
    /// The profile as clients see it, with its logo (`logo`: the row `row.logo_id` names).
    pub fn new(row: OrganizationRow, logo: Option<MediaRow>, urls: &MediaUrls) -> Self {
        Self {
            headquarters: headquarters(&row),
            logo: logo.map(|logo| logo.shown(urls, None)),
            id: row.id,
            slug: row.slug,
            name: row.name,
            full_name: row.full_name,
            kind: row.kind,
            tagline: row.tagline,
            description: row.description,
            member_count: row.member_count,
            website: row.website,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// A complete profile to create or replace one with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Europol", "full_name": "European Union Agency for Law Enforcement Cooperation",
    "kind": "EU agency", "member_count": 27, "website": "https://www.europol.europa.eu",
    "headquarters": {"city": "The Hague", "country": "NL"}}))]
pub struct OrganizationWrite {
    /// Derived from the name when absent; on PUT, absent keeps the current one.
    #[serde(default)]
    #[schema(value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(value_type = Name)]
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Caption)]
    pub full_name: String,
    #[serde(default)]
    #[schema(value_type = Label)]
    pub kind: String,
    #[serde(default)]
    #[schema(value_type = Caption)]
    pub tagline: String,
    /// Markdown.
    #[serde(default)]
    #[schema(value_type = Description)]
    pub description: String,
    #[serde(default)]
    #[schema(minimum = 0)]
    pub member_count: Option<i64>,
    /// An absolute http(s) URL.
    #[serde(default)]
    #[schema(value_type = Option<Website>)]
    pub website: Option<String>,
    #[serde(default)]
    pub headquarters: Option<Place>,
    /// Id of an uploaded image (`/api/v1/media`) to show as the logo; `null` or absent: none.
    #[serde(default)]
    #[schema(value_type = Option<MediaId>, example = json!(null))]
    pub logo_id: Option<MediaId>,
}

/// The profile of `row` as clients see it, its logo read.
pub fn shown(conn: &mut DbConn, row: OrganizationRow, urls: &MediaUrls) -> Result<Organization, ApiError> {
    let logo = match row.logo_id {
        Some(id) => db::media::find(conn, id).optional()?,
        None => None,
    };
    Ok(Organization::new(row, logo, urls))
}

impl OrganizationWrite {
    /// Checks every field, reporting each at fault.
    pub fn validate(self) -> Result<ValidOrganization, ApiError> {
        let mut fields = Fields::default();
        let slug = fields.read_optional("slug", self.slug, |slug| Slug::parse(&slug));
        let name = fields.read("name", Name::parse(self.name));
        let full_name = fields.read("full_name", Caption::parse(self.full_name));
        let kind = fields.read("kind", Label::parse(self.kind));
        let tagline = fields.read("tagline", Caption::parse(self.tagline));
        let description = fields.read("description", Description::parse(self.description));
        if self.member_count.is_some_and(|n| n < 0) {
            fields.refuse("member_count", "must not be negative");
        }
        let website = fields.read_optional("website", self.website, Website::parse);
        let Place { city, country } = self.headquarters.unwrap_or(Place { city: None, country: None });
        let city = fields.read_optional("headquarters.city", city, Name::parse);
        let country = fields.read_optional("headquarters.country", country, CountryCode::parse);
        fields.finish(|| {
            Some(ValidOrganization {
                slug: slug?,
                name: name?,
                full_name: full_name?,
                kind: kind?,
                tagline: tagline?,
                description: description?,
                member_count: self.member_count,
                website: website?,
                city: city?,
                country: country?,
                logo_id: self.logo_id,
            })
        })
    }
}

/// A profile to store, every field valid.
pub struct ValidOrganization {
    slug: Option<Slug>,
    name: Name,
    full_name: Caption,
    kind: Label,
    tagline: Caption,
    description: Description,
    member_count: Option<i64>,
    website: Option<Website>,
    city: Option<Name>,
    country: Option<CountryCode>,
    logo_id: Option<MediaId>,
}

impl ValidOrganization {
    /// Stores the profile, new or over `current`, keeping it as the next revision.
    pub fn save(
        &self,
        conn: &mut DbConn,
        urls: &MediaUrls,
        current: Option<&OrganizationRow>,
        origin: &Origin,
        entry: &mut Entry,
    ) -> Result<Organization, ApiError> {
        let logo = match self.logo_id {
            Some(id) => Some(db::media::find(conn, id).optional()?.ok_or_else(|| {
                ApiError::invalid_fields(vec![FieldError::new("logo_id", format!("no image with id {id}"))])
            })?),
            None => None,
        };
        let slug = match (&self.slug, current) {
            (Some(slug), _) => slug.as_str().to_owned(),
            (None, Some(current)) => current.slug.clone(),
            (None, None) => Slug::derive(self.name.as_str(), "organization").into_string(),
        };
        let form = OrganizationForm {
            slug: &slug,
            name: self.name.as_str(),
            full_name: self.full_name.as_str(),
            kind: self.kind.as_str(),
            tagline: self.tagline.as_str(),
            description: self.description.as_str(),
            member_count: self.member_count,
            website: self.website.as_ref().map(Website::as_str),
            headquarters_city: self.city.as_ref().map(Name::as_str),
            headquarters_country: self.country.as_ref().map(CountryCode::as_str),
            logo_id: self.logo_id,
            updated_at: dates::now().naive_utc(),
        };
        let row = match current {
            Some(current) => db::organizations::update(conn, current.id, &form)?,
            None => db::organizations::insert(conn, &form)?,
        };
        let (id, at) = (row.id, row.updated_at);
        let org = Organization::new(row, logo, urls);
        let snapshot = revisions::snapshot(&org, "logo").map_err(ApiError::internal)?;
        revisions::record(conn, Entity::Organization(id), origin, &snapshot, at)?;
        push_changed(conn, urls, id)?;
        entry.on(id);
        // A new or renamed profile changes answers under another path too.
        if let Some(current) = current
            && current.slug == slug
        {
            entry.within([slug]);
        }
        Ok(org)
    }
}

/// A partial update: absent fields are kept, `null` clears a nullable one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Slug>, nullable = false)]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Name>, nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Caption>, nullable = false)]
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Label>, nullable = false)]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Caption>, nullable = false)]
    pub tagline: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Description>, nullable = false)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub member_count: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Website>)]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Place>)]
    pub headquarters: Option<Option<Place>>,
    /// Id of an uploaded image to show as the logo; `null` takes the logo away.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<MediaId>)]
    pub logo_id: Option<Option<MediaId>>,
}

impl OrganizationPatch {
    pub fn apply(self, current: &OrganizationRow) -> OrganizationWrite {
        let current_hq = headquarters(current);
        OrganizationWrite {
            slug: self.slug,
            name: self.name.unwrap_or_else(|| current.name.clone()),
            full_name: self.full_name.unwrap_or_else(|| current.full_name.clone()),
            kind: self.kind.unwrap_or_else(|| current.kind.clone()),
            tagline: self.tagline.unwrap_or_else(|| current.tagline.clone()),
            description: self.description.unwrap_or_else(|| current.description.clone()),
            member_count: self.member_count.unwrap_or(current.member_count),
            website: self.website.unwrap_or_else(|| current.website.clone()),
            headquarters: self.headquarters.unwrap_or(current_hq),
            logo_id: self.logo_id.unwrap_or(current.logo_id),
        }
    }
}

/// Creates an organization, its first revision by `actor`.
pub async fn create(state: &AppState, actor: &Actor, write: OrganizationWrite) -> Result<Organization, ApiError> {
    let org = write.validate()?;
    let origin = state.origin(actor);
    let entry = actor.did(Action(Resource::Organization, Verb::Create));
    let urls = state.media.urls.clone();
    state.write(entry, move |c, entry| org.save(c, &urls, None, &origin, entry)).await
}

/// Replaces a profile; `precondition` sees the current one first (`If-Match`).
pub async fn replace(
    state: &AppState,
    actor: &Actor,
    slug: String,
    write: OrganizationWrite,
    precondition: impl FnOnce(&Organization) -> Result<(), ApiError> + Send + 'static,
) -> Result<Organization, ApiError> {
    let org = write.validate()?;
    let origin = state.origin(actor);
    let urls = state.media.urls.clone();
    state
        .write(actor.did(Action(Resource::Organization, Verb::Replace)), move |c, entry| {
            let current = find(c, &slug)?;
            precondition(&shown(c, current.clone(), &urls)?)?;
            org.save(c, &urls, Some(&current), &origin, entry)
        })
        .await
}

/// Changes some fields of a profile. A bad request is reported as such before the
/// precondition is looked at.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    slug: String,
    patch: OrganizationPatch,
    precondition: impl FnOnce(&Organization) -> Result<(), ApiError> + Send + 'static,
) -> Result<Organization, ApiError> {
    let origin = state.origin(actor);
    let urls = state.media.urls.clone();
    state
        .write(actor.did(Action(Resource::Organization, Verb::Update)), move |c, entry| {
            let current = find(c, &slug)?;
            let org = patch.apply(&current).validate()?;
            precondition(&shown(c, current.clone(), &urls)?)?;
            org.save(c, &urls, Some(&current), &origin, entry)
        })
        .await
}

/// Deletes an organization that has no news items, with its bodies, offices, translations and
/// revisions.
pub async fn delete(
    state: &AppState,
    actor: &Actor,
    slug: String,
    precondition: impl FnOnce(&Organization) -> Result<(), ApiError> + Send + 'static,
) -> Result<(), ApiError> {
    let urls = state.media.urls.clone();
    state
        .write(actor.did(Action(Resource::Organization, Verb::Delete)), move |c, entry| {
            let current = find(c, &slug)?;
            precondition(&shown(c, current.clone(), &urls)?)?;
            entry.on(current.id);
            let bodies = db::organizations::bodies(c, current.id)?.into_iter().map(|b| Entity::Body(b.id));
            let offices = db::organizations::offices(c, current.id)?.into_iter().map(|o| Entity::Office(o.id));
            let parts: Vec<Entity> = bodies.chain(offices).collect();
            db::organizations::delete(c, current.id).map_err(|err| {
                ApiError::from(err).in_the_way(|| {
                    format!("organization `{slug}` still has news items (the trash included); move or purge them first")
                })
            })?;
            for entity in [Entity::Organization(current.id), Entity::Translations(current.id)].into_iter().chain(parts)
            {
                db::revisions::forget(c, entity)?;
            }
            push_changed(c, &urls, current.id)
        })
        .await
}

/// Tells webhooks, inside the write, that an organization's profile or one of its bodies or
/// offices changed: `organization.updated` with the profile as it is now (`null` once deleted).
pub fn push_changed(conn: &mut DbConn, urls: &MediaUrls, id: OrganizationId) -> Result<(), ApiError> {
    let subject = format!("organization:{id}");
    Ok(db::webhooks::enqueue(conn, EventType::OrganizationUpdated, &subject, |conn| {
        let item = match db::organizations::by_id(conn, id).optional()? {
            Some(row) => {
                let logo = row.logo_id.map(|id| db::media::find(conn, id)).transpose()?;
                Some(Organization::new(row, logo, urls))
            }
            None => None,
        };
        Ok((None, serde_json::json!({"id": id, "item": item, "changes_cursor": null})))
    })?)
}

/// Adds an organization from a request body, inside a write (the demo data comes here).
pub fn add(
    conn: &mut DbConn,
    urls: &MediaUrls,
    body: serde_json::Value,
    entry: &mut Entry,
) -> Result<Organization, ApiError> {
    let write: OrganizationWrite = serde_json::from_value(body).map_err(ApiError::internal)?;
    write.validate()?.save(conn, urls, None, &Origin::default(), entry)
}

/// The organization with this slug, or 404.
pub fn find(conn: &mut DbConn, slug: &str) -> Result<OrganizationRow, ApiError> {
    let missing = || ApiError::NotFound(format!("no organization `{slug}`"));
    // What cannot be a slug names nothing, and is never sent to the database.
    if Slug::parse(slug).is_err() {
        return Err(missing());
    }
    db::organizations::find(conn, slug).optional()?.ok_or_else(missing)
}
