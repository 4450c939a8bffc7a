//! User accounts: the roles that decide what a signed-in user may do.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a user may do. Admins may do everything editors may.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Role {
    /// All content and profiles.
    Editor,
    /// Everything, users included.
    Admin,
}
