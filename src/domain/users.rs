//! User accounts: the roles that decide what a signed-in user may do, and who a request
//! comes from.

use std::net::IpAddr;

use super::audit::Actor;
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
    /// Where the request came from (see `http::client`).
    pub address: Option<IpAddr>,
}

impl AuthUser {
    /// The user as the audit trail names them.
    pub fn actor(&self) -> Actor {
        Actor { name: Some(self.username.clone()), address: self.address }
    }
}

/// Who sent a request, as `auth::identify` verified it.
#[derive(Debug, Clone, Default)]
pub enum Caller {
    #[default]
    Anonymous,
    User(AuthUser),
}
