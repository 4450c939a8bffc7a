//! An organization's governing and working bodies: what a client sends and sees, and how
//! they are stored (the CRUD rules they share with offices are in `parts`).

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::parts::Part;
use crate::db::organizations::{BodyForm, BodyRow};
use crate::db::{self, DbConn};
use crate::domain::dates::{self, utc};
use crate::domain::ids::{BodyId, OrganizationId};
use crate::domain::organization::BodyKind;
use crate::domain::patch::{not_null, nullable};
use crate::domain::text::{BodyDescription, Name};
use crate::error::{ApiError, FieldError};

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
    type Write = BodyWrite;
    type Patch = BodyPatch;
    type Id = BodyId;

    fn id(&self) -> BodyId {
        self.id
    }

    fn validate(mut write: BodyWrite) -> Result<BodyWrite, ApiError> {
        let mut errors = Vec::new();
        let optional = |v: &Option<String>| v.as_deref().map_or(Ok(()), Name::check);
        for (field, result) in [
            ("name", Name::check(&write.name)),
            ("description", BodyDescription::check(&write.description)),
            ("leader_title", optional(&write.leader_title)),
            ("meeting_cadence", optional(&write.meeting_cadence)),
        ] {
            if let Err(message) = result {
                errors.push(FieldError::new(field, message));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::invalid_fields(errors));
        }
        write.name = write.name.trim().to_owned();
        write.description = write.description.trim().to_owned();
        Ok(write)
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
        write: &BodyWrite,
        organization_id: OrganizationId,
        current: Option<BodyId>,
    ) -> Result<Self, ApiError> {
        let form = BodyForm {
            name: &write.name,
            kind: write.kind,
            description: &write.description,
            leader_title: write.leader_title.as_deref().map(str::trim),
            meeting_cadence: write.meeting_cadence.as_deref().map(str::trim),
            sort_order: write.sort_order,
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
