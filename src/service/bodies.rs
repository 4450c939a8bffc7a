//! An organization's governing and working bodies: what a client sends and sees, and how
//! they are stored (the CRUD rules they share with offices are in `parts`).

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::parts::Part;
use crate::db::organizations::{BodyForm, BodyRow};
use crate::db::revisions::Entity;
use crate::db::{self, DbConn};
use crate::domain::audit::Resource;
use crate::domain::dates::{self, utc};
use crate::domain::ids::{BodyId, OrganizationId};
use crate::domain::organization::BodyKind;
use crate::domain::patch::{not_null, nullable};
use crate::domain::text::{BodyDescription, Name};
use crate::error::{ApiError, Fields};

/// A governing or working body of an organization.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "General Assembly", "kind": "governing_body",
    "description": "The governing body ...", "leader_title": null, "meeting_cadence": "once a year",
    "sort_order": 1, "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z"}))]
pub struct Body {
    pub id: BodyId,
    pub name: String,
    pub kind: BodyKind,
    /// Markdown.
    pub description: String,
    /// The title of whoever leads it, e.g. `Secretary General`.
    pub leader_title: Option<String>,
    /// How often it meets, e.g. `once a year`.
    pub meeting_cadence: Option<String>,
    /// Bodies are listed by this, then by id.
    pub sort_order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<BodyRow> for Body {
    fn from(row: BodyRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            kind: row.kind,
            description: row.description,
            leader_title: row.leader_title,
            meeting_cadence: row.meeting_cadence,
            sort_order: row.sort_order,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// A complete body to create or replace one with.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Executive Committee", "kind": "executive_committee", "meeting_cadence": "three times a year"}))]
pub struct BodyWrite {
    #[schema(value_type = Name)]
    pub name: String,
    pub kind: BodyKind,
    /// Markdown.
    #[serde(default)]
    #[schema(value_type = BodyDescription)]
    pub description: String,
    #[serde(default)]
    #[schema(value_type = Option<Name>)]
    pub leader_title: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Name>)]
    pub meeting_cadence: Option<String>,
    #[serde(default)]
    pub sort_order: i32,
}

/// A body to store, every field valid.
pub struct ValidBody {
    name: Name,
    kind: BodyKind,
    description: BodyDescription,
    leader_title: Option<Name>,
    meeting_cadence: Option<Name>,
    sort_order: i32,
}

/// A partial update: absent fields are kept, `null` clears a nullable one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Name>, nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub kind: Option<BodyKind>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<BodyDescription>, nullable = false)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Name>)]
    pub leader_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Name>)]
    pub meeting_cadence: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub sort_order: Option<i32>,
}

impl Part for Body {
    const NOUN: &'static str = "body";
    const RESOURCE: Resource = Resource::Body;
    type Write = BodyWrite;
    type Patch = BodyPatch;
    type Id = BodyId;
    type Valid = ValidBody;

    const TRANSLATED: &'static [&'static str] = &["name", "description"];

    fn id(&self) -> BodyId {
        self.id
    }

    fn id_number(&self) -> i64 {
        self.id.0
    }

    fn entity(id: i64) -> Entity {
        Entity::Body(BodyId(id))
    }

    fn validate(write: BodyWrite) -> Result<ValidBody, ApiError> {
        let mut fields = Fields::default();
        let name = fields.read("name", Name::parse(write.name));
        let description = fields.read("description", BodyDescription::parse(write.description));
        let leader_title = fields.read_optional("leader_title", write.leader_title, Name::parse);
        let meeting_cadence = fields.read_optional("meeting_cadence", write.meeting_cadence, Name::parse);
        fields.finish(|| {
            Some(ValidBody {
                name: name?,
                kind: write.kind,
                description: description?,
                leader_title: leader_title?,
                meeting_cadence: meeting_cadence?,
                sort_order: write.sort_order,
            })
        })
    }

    fn apply(patch: BodyPatch, current: Self) -> BodyWrite {
        BodyWrite {
            name: patch.name.unwrap_or(current.name),
            kind: patch.kind.unwrap_or(current.kind),
            description: patch.description.unwrap_or(current.description),
            leader_title: patch.leader_title.unwrap_or(current.leader_title),
            meeting_cadence: patch.meeting_cadence.unwrap_or(current.meeting_cadence),
            sort_order: patch.sort_order.unwrap_or(current.sort_order),
        }
    }

    fn list(conn: &mut DbConn, organization_id: OrganizationId) -> Result<Vec<Self>, ApiError> {
        Ok(db::organizations::bodies(conn, organization_id)?.into_iter().map(Self::from).collect())
    }

    fn find(conn: &mut DbConn, organization_id: OrganizationId, id: BodyId) -> Result<Option<Self>, ApiError> {
        Ok(db::organizations::body(conn, organization_id, id).optional()?.map(Self::from))
    }

    fn save(
        conn: &mut DbConn,
        body: &ValidBody,
        organization_id: OrganizationId,
        current: Option<BodyId>,
    ) -> Result<Self, ApiError> {
        let form = BodyForm {
            name: body.name.as_str(),
            kind: body.kind,
            description: body.description.as_str(),
            leader_title: body.leader_title.as_ref().map(Name::as_str),
            meeting_cadence: body.meeting_cadence.as_ref().map(Name::as_str),
            sort_order: body.sort_order,
            updated_at: dates::now().naive_utc(),
        };
        let row = match current {
            Some(id) => db::organizations::update_body(conn, id, &form)?,
            None => db::organizations::insert_body(conn, organization_id, &form)?,
        };
        Ok(row.into())
    }

    fn delete(conn: &mut DbConn, id: BodyId) -> Result<(), ApiError> {
        db::organizations::delete_body(conn, id)?;
        Ok(())
    }
}
