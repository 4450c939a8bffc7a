//! An organization's profile in the site's languages and through time. A translation gives,
//! for one language, some of the profile's own fields and its bodies' and offices' names and
//! descriptions (`PUT /organizations/{slug}/translations/{lang}`). A read in a language takes
//! each field from the first of the reader's languages that has it, else as written, and says
//! where each came from. A read `as_of` an instant answers the profile, its bodies and offices
//! (and, in a language, their translations) as their revisions kept them then.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::bodies::Body;
use super::offices::Office;
use super::organizations;
use super::parts::{Part, PartRevision};
use crate::db::organizations::TranslationRow;
use crate::db::revisions::{self, Entity, Origin};
use crate::db::{self, DbConn};
use crate::domain::audit::{Action, Actor, Resource, Verb};
use crate::domain::dates::{self, utc};
use crate::domain::ids::OrganizationId;
use crate::domain::language::{Choice, Languages};
use crate::domain::text::{BodyDescription, Caption, Description, Name};
use crate::error::{ApiError, Fields};
use crate::media::MediaUrls;
use crate::state::AppState;

/// The profile's fields that translations give, in the order they are shown.
pub const PROFILE_FIELDS: [&str; 4] = ["name", "full_name", "tagline", "description"];

/// The profile in one more language: the fields given stand in for the profile's own for
/// readers of that language; those left out fall back.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"full_name": "Organisation internationale de police criminelle",
    "bodies": [{"id": 1, "name": "Assemblée générale"}], "offices": [{"id": 1, "name": "Secrétariat général"}]}))]
pub struct ProfileTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Name>)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Caption>)]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Caption>)]
    pub tagline: Option<String>,
    /// Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Description>)]
    pub description: Option<String>,
    /// Names and descriptions of the organization's bodies, by id.
    #[serde(default)]
    pub bodies: Vec<PartTranslation>,
    /// Names of the organization's offices, by id (offices have no description).
    #[serde(default)]
    pub offices: Vec<PartTranslation>,
}

/// A body's or an office's fields in one more language.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartTranslation {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Name>)]
    pub name: Option<String>,
    /// Markdown (bodies only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BodyDescription>)]
    pub description: Option<String>,
}

/// A stored translation, as clients read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredTranslation {
    #[schema(example = "fr")]
    pub lang: String,
    #[serde(flatten)]
    pub translation: ProfileTranslation,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<TranslationRow> for StoredTranslation {
    type Error = ApiError;

    fn try_from(row: TranslationRow) -> Result<Self, ApiError> {
        Ok(Self {
            translation: serde_json::from_str(&row.document).map_err(ApiError::internal)?,
            lang: row.lang,
            updated_at: utc(row.updated_at),
        })
    }
}

/// A profile, a body or an office as read: as written, or in a language (with `lang` or
/// `Accept-Language`), when it also says in which.
#[derive(Debug, Serialize, ToSchema)]
pub struct Localized<T> {
    #[serde(flatten)]
    pub item: T,
    /// Read in a language: the one the answer is meant for.
    #[schema(example = "fr")]
    pub lang: Option<String>,
    /// Read in a language: the language each translatable field's value is in, by field.
    #[schema(example = json!({"name": "en", "full_name": "fr", "tagline": "en", "description": "en"}))]
    pub field_languages: Option<BTreeMap<String, String>>,
}

impl ProfileTranslation {
    /// Checks every field against the profile's rules, and that each body and office named
    /// is the organization's own, once.
    fn validate(self, bodies: &[i64], offices: &[i64]) -> Result<Self, ApiError> {
        let mut fields = Fields::default();
        let name = fields.read_optional("name", self.name, |v| Name::parse(v).map(Name::into_string));
        let full_name =
            fields.read_optional("full_name", self.full_name, |v| Caption::parse(v).map(Caption::into_string));
        let tagline = fields.read_optional("tagline", self.tagline, |v| Caption::parse(v).map(Caption::into_string));
        let description = fields
            .read_optional("description", self.description, |v| Description::parse(v).map(Description::into_string));
        let mut parts = |kind: &str, list: Vec<PartTranslation>, known: &[i64]| -> Vec<PartTranslation> {
            let mut seen = Vec::new();
            let mut valid = Vec::new();
            for (i, part) in list.into_iter().enumerate() {
                let at = format!("{kind}[{i}]");
                if !known.contains(&part.id) {
                    fields.refuse(
                        format!("{at}.id"),
                        format!("the organization has no {} with id {}", &kind[..kind.len() - 1], part.id),
                    );
                } else if seen.contains(&part.id) {
                    fields.refuse(format!("{at}.id"), format!("{} is listed twice", part.id));
                }
                seen.push(part.id);
                let name =
                    fields.read_optional(&format!("{at}.name"), part.name, |v| Name::parse(v).map(Name::into_string));
                let description = match (kind, part.description) {
                    ("offices", Some(_)) => {
                        fields.refuse(format!("{at}.description"), "offices have no description");
                        Some(None)
                    }
                    (_, description) => fields.read_optional(&format!("{at}.description"), description, |v| {
                        BodyDescription::parse(v).map(BodyDescription::into_string)
                    }),
                };
                if let (Some(name), Some(description)) = (name, description) {
                    valid.push(PartTranslation { id: part.id, name, description });
                }
            }
            valid
        };
        let bodies = parts("bodies", self.bodies, bodies);
        let offices = parts("offices", self.offices, offices);
        fields.finish(|| {
            Some(Self {
                name: name?,
                full_name: full_name?,
                tagline: tagline?,
                description: description?,
                bodies,
                offices,
            })
        })
    }

    /// What the translation gives of `of` (the profile, or one of its parts), by field.
    fn fields(&self, of: Entity) -> BTreeMap<&'static str, &str> {
        let part = |list: &[PartTranslation], id: i64| list.iter().position(|p| p.id == id);
        let given: Vec<(&'static str, &Option<String>)> = match of {
            Entity::Body(id) => part(&self.bodies, id.0)
                .map(|i| vec![("name", &self.bodies[i].name), ("description", &self.bodies[i].description)])
                .unwrap_or_default(),
            Entity::Office(id) => part(&self.offices, id.0)
                .map(|i| vec![("name", &self.offices[i].name), ("description", &self.offices[i].description)])
                .unwrap_or_default(),
            Entity::Organization(_) | Entity::News(_) | Entity::Translations(_) => PROFILE_FIELDS
                .into_iter()
                .zip([&self.name, &self.full_name, &self.tagline, &self.description])
                .collect(),
        };
        given.into_iter().filter_map(|(field, value)| Some((field, value.as_deref()?))).collect()
    }
}

/// How a client reads the profile: in which languages, and as of when.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// The reader's languages, best first; `None`: as written.
    pub choice: Option<Choice>,
    /// The instant to read the profile as it was at.
    pub as_of: Option<DateTime<Utc>>,
}

impl Reading {
    /// The answer's language, for `Content-Language`.
    pub fn lang<'a>(&'a self, site: &'a Languages) -> &'a str {
        self.choice.as_ref().and_then(Choice::best).unwrap_or(site.first())
    }
}

/// The translations of a profile, by language, to read `reading`'s languages from (none when
/// reading as written), as they were at its instant if it names one.
fn translations_for(
    conn: &mut DbConn,
    organization: OrganizationId,
    reading: &Reading,
) -> Result<Vec<(String, ProfileTranslation)>, ApiError> {
    if reading.choice.is_none() {
        return Ok(Vec::new());
    }
    let Some(at) = reading.as_of else { return Ok(stored(conn, organization, None)?.into_iter().collect()) };
    match revisions::as_of(conn, Entity::Translations(organization), at.naive_utc())? {
        Some(snapshot) => {
            let kept: BTreeMap<String, ProfileTranslation> =
                serde_json::from_str(&snapshot).map_err(ApiError::internal)?;
            Ok(kept.into_iter().collect())
        }
        // None kept by then: those stored before translations had versions and not changed since.
        None => Ok(stored(conn, organization, Some(at.naive_utc()))?.into_iter().collect()),
    }
}

/// The profile's translations as they are now, by language (only those last changed by
/// `changed_by`, if given).
fn stored(
    conn: &mut DbConn,
    organization: OrganizationId,
    changed_by: Option<NaiveDateTime>,
) -> Result<BTreeMap<String, ProfileTranslation>, ApiError> {
    db::organizations::translations(conn, organization)?
        .into_iter()
        .filter(|row| changed_by.is_none_or(|at| row.updated_at <= at))
        .map(|row| Ok((row.lang.clone(), StoredTranslation::try_from(row)?.translation)))
        .collect()
}

/// Keeps the profile's translations as they now are as their next version, so that the profile
/// can be read in a language as it was (`as_of`).
fn keep(conn: &mut DbConn, organization: OrganizationId, origin: &Origin, at: NaiveDateTime) -> Result<(), ApiError> {
    let snapshot = serde_json::to_string(&stored(conn, organization, None)?).map_err(ApiError::internal)?;
    revisions::record(conn, Entity::Translations(organization), origin, &snapshot, at)?;
    Ok(())
}

/// `item` (JSON; `of` says what it is) with each of `fields` in the first of the reader's
/// languages that has it, and which that was (`Localized`); as it is when read as written, so
/// that its ETag is the one `If-Match` checks writes against.
fn localize(
    mut item: Value,
    of: Entity,
    fields: &[&str],
    translations: &[(String, ProfileTranslation)],
    reading: &Reading,
    site: &Languages,
) -> Value {
    let Some(choice) = &reading.choice else { return item };
    let base = site.first();
    let order = choice.order();
    let mut field_languages = BTreeMap::new();
    for &field in fields {
        let found = order.iter().take_while(|lang| lang.as_str() != base).find_map(|lang| {
            let (_, translation) = translations.iter().find(|(l, _)| l == lang)?;
            translation.fields(of).get(field).map(|value| (lang.clone(), (*value).to_owned()))
        });
        let lang = match found {
            Some((lang, value)) => {
                item[field] = Value::String(value);
                lang
            }
            None => base.to_owned(),
        };
        field_languages.insert(field.to_owned(), lang);
    }
    if let Value::Object(object) = &mut item {
        object.insert("lang".into(), Value::String(reading.lang(site).to_owned()));
        object.insert("field_languages".into(), json!(field_languages));
    }
    item
}

fn json(item: &impl Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(item).map_err(ApiError::internal)
}

/// The organization's profile as `reading` asks; as of an instant before it existed, 404.
pub async fn profile(state: &AppState, slug: String, reading: Reading) -> Result<Value, ApiError> {
    let site = state.languages.clone();
    let urls = state.media.urls.clone();
    state
        .db(move |c| {
            let row = organizations::find(c, &slug)?;
            let item = match reading.as_of {
                Some(at) => {
                    let snapshot = revisions::as_of(c, Entity::Organization(row.id), at.naive_utc())?;
                    let snapshot = snapshot.ok_or_else(|| {
                        ApiError::NotFound(format!("organization `{slug}` did not exist at {}", at.to_rfc3339()))
                    })?;
                    let snapshot = revisions::shown(c, &snapshot, "logo", &urls)?;
                    serde_json::from_str(&snapshot).map_err(ApiError::internal)?
                }
                None => json(&organizations::shown(c, row.clone(), &urls)?)?,
            };
            let translations = translations_for(c, row.id, &reading)?;
            Ok(localize(item, Entity::Organization(row.id), &PROFILE_FIELDS, &translations, &reading, &site))
        })
        .await
}

/// An organization's parts of one kind as `reading` asks, in their order.
pub async fn parts<P: Part>(state: &AppState, slug: String, reading: Reading) -> Result<Vec<Value>, ApiError> {
    let site = state.languages.clone();
    state
        .db(move |c| {
            let organization = organizations::find(c, &slug)?.id;
            let items: Vec<Value> = match reading.as_of {
                Some(at) => parts_as_of::<P>(c, organization, at.naive_utc())?,
                None => P::list(c, organization)?.iter().map(json).collect::<Result<_, _>>()?,
            };
            let translations = translations_for(c, organization, &reading)?;
            Ok(items
                .into_iter()
                .map(|item| {
                    let of = P::entity(item["id"].as_i64().unwrap_or_default());
                    localize(item, of, P::TRANSLATED, &translations, &reading, &site)
                })
                .collect())
        })
        .await
}

/// One of an organization's parts as `reading` asks; 404 if it had none such then.
pub async fn part<P: Part>(
    state: &AppState,
    slug: String,
    segment: String,
    reading: Reading,
) -> Result<Value, ApiError> {
    let missing = || ApiError::NotFound(format!("organization `{slug}` has no {} with id {segment}", P::NOUN));
    let all = parts::<P>(state, slug.clone(), reading).await?;
    let id: i64 = segment.parse().map_err(|_| missing())?;
    all.into_iter().find(|part| part["id"].as_i64() == Some(id)).ok_or_else(missing)
}

/// The organization's parts as their revisions kept them at `at`, in their order. A part with
/// no revision at all (made before parts kept them) counts as it is now from its creation.
fn parts_as_of<P: Part>(
    conn: &mut DbConn,
    organization: OrganizationId,
    at: NaiveDateTime,
) -> Result<Vec<Value>, ApiError> {
    let mut items: Vec<Value> = Vec::new();
    for (_, snapshot) in revisions::all_as_of(conn, P::entity(0), at)? {
        let kept: PartRevision<Value> = serde_json::from_str(&snapshot).map_err(ApiError::internal)?;
        if kept.organization_id == organization {
            items.extend(kept.part);
        }
    }
    let current = P::list(conn, organization)?;
    let ids: Vec<i64> = current.iter().map(|p| p.id_number()).collect();
    let recorded = revisions::recorded(conn, P::entity(0), &ids)?;
    for part in current.iter().filter(|p| !recorded.contains(&p.id_number())) {
        let item = json(part)?;
        let created = item["created_at"].as_str().and_then(|t| dates::parse_instant(t).ok());
        if created.is_some_and(|t| t.naive_utc() <= at) {
            items.push(item);
        }
    }
    let key = |item: &Value| (item["sort_order"].as_i64().unwrap_or_default(), item["id"].as_i64().unwrap_or_default());
    items.sort_by_key(key);
    Ok(items)
}

/// The profile's translations, by language.
pub async fn list(state: &AppState, slug: String) -> Result<Vec<StoredTranslation>, ApiError> {
    state
        .db(move |c| {
            let organization = organizations::find(c, &slug)?.id;
            db::organizations::translations(c, organization)?.into_iter().map(StoredTranslation::try_from).collect()
        })
        .await
}

/// One translation of the profile, or 404.
pub async fn get(state: &AppState, slug: String, lang: String) -> Result<StoredTranslation, ApiError> {
    let site = state.languages.clone();
    state
        .db(move |c| {
            let organization = organizations::find(c, &slug)?.id;
            let missing = || ApiError::NotFound(format!("organization `{slug}` has no `{lang}` translation"));
            let lang = translated_language(&site, &lang).map_err(|_| missing())?;
            let row = db::organizations::translation(c, organization, &lang)?.ok_or_else(missing)?;
            StoredTranslation::try_from(row)
        })
        .await
}

/// The site's spelling of a language a translation may be in: one of the site's, but not the
/// one the profile is written in.
pub fn translated_language(site: &Languages, lang: &str) -> Result<String, ApiError> {
    let refuse = |message: String| ApiError::invalid_fields(vec![crate::error::FieldError::new("lang", message)]);
    match site.site(lang) {
        Some(tag) if tag == site.first() => {
            Err(refuse(format!("is the language the profile is written in ({tag}): change the profile itself")))
        }
        Some(tag) => Ok(tag.to_owned()),
        None => Err(refuse(format!("is not one of this site's languages ({})", site.all().join(", ")))),
    }
}

/// Stores the profile's translation into `lang`, replacing any before; `true` when it is new.
pub async fn put(
    state: &AppState,
    actor: &Actor,
    slug: String,
    lang: String,
    translation: ProfileTranslation,
) -> Result<(StoredTranslation, bool), ApiError> {
    let lang = translated_language(&state.languages, &lang)?;
    let urls = state.media.urls.clone();
    let origin = state.origin(actor);
    state
        .write(actor.did(Action(Resource::Organization, Verb::Update)), move |c, entry| {
            let organization = organizations::find(c, &slug)?.id;
            let stored = store(c, &urls, organization, lang, translation, &origin)?;
            entry.on(organization);
            entry.within([slug]);
            Ok(stored)
        })
        .await
}

/// Checks a translation into `lang` (a language a translation may be in) against the
/// organization's profile and stores it, inside a write (the demo data comes here too);
/// `true` when it is new.
pub fn store(
    conn: &mut DbConn,
    urls: &MediaUrls,
    organization: OrganizationId,
    lang: String,
    translation: ProfileTranslation,
    origin: &Origin,
) -> Result<(StoredTranslation, bool), ApiError> {
    let bodies: Vec<i64> = Body::list(conn, organization)?.iter().map(Part::id_number).collect();
    let offices: Vec<i64> = Office::list(conn, organization)?.iter().map(Part::id_number).collect();
    let translation = translation.validate(&bodies, &offices)?;
    let row = TranslationRow {
        organization_id: organization,
        lang,
        document: serde_json::to_string(&translation).map_err(ApiError::internal)?,
        updated_at: dates::now().naive_utc(),
    };
    let new = db::organizations::put_translation(conn, &row)?;
    keep(conn, organization, origin, row.updated_at)?;
    organizations::push_changed(conn, urls, organization)?;
    Ok((StoredTranslation::try_from(row)?, new))
}

/// Removes the profile's translation into `lang`; 404 if it has none (in a language the site
/// has not, it has none).
pub async fn delete(state: &AppState, actor: &Actor, slug: String, lang: String) -> Result<(), ApiError> {
    let missing = ApiError::NotFound(format!("organization `{slug}` has no `{lang}` translation"));
    let lang = translated_language(&state.languages, &lang).map_err(|_| missing)?;
    let urls = state.media.urls.clone();
    let origin = state.origin(actor);
    state
        .write(actor.did(Action(Resource::Organization, Verb::Update)), move |c, entry| {
            let organization = organizations::find(c, &slug)?.id;
            if db::organizations::delete_translation(c, organization, &lang)? == 0 {
                return Err(ApiError::NotFound(format!("organization `{slug}` has no `{lang}` translation")));
            }
            keep(c, organization, &origin, dates::now().naive_utc())?;
            organizations::push_changed(c, &urls, organization)?;
            entry.on(organization);
            entry.within([slug]);
            Ok(())
        })
        .await
}
