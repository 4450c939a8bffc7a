//! User accounts: the roles that decide what a signed-in user may do, and who a request
//! comes from.

use super::ids::UserId;

closed_set! {
    "lowercase",
    /// What a user may do. Admins may do everything editors may.
    #[derive(PartialOrd, Ord)]
    pub enum Role {
        /// All content and profiles.
        Editor,
        /// Everything, users included.
        Admin,
    }
}

/// A signed-in user, as of this request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: UserId,
    pub username: String,
    pub role: Role,
}

/// Who sent a request, as `auth::identify` verified it.
#[derive(Debug, Clone, Default)]
pub enum Caller {
    #[default]
    Anonymous,
    User(AuthUser),
}
