//! User accounts: the roles that decide what a signed-in user may do, and who a request
//! comes from.

use std::net::IpAddr;
use std::sync::Arc;

use super::audit::Actor;
use super::ids::UserId;
use super::keys::{KnownKey, Scope};

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

/// A partner key, as of this request.
#[derive(Debug, Clone)]
pub struct KeyCaller {
    pub key: Arc<KnownKey>,
    pub address: Option<IpAddr>,
}

impl KeyCaller {
    /// The key as the audit trail names it: by its prefix.
    pub fn actor(&self) -> Actor {
        Actor { name: Some(self.key.prefix.clone()), address: self.address }
    }

    pub fn may(&self, scope: Scope) -> bool {
        self.key.may(scope)
    }
}

/// Who sent a request, as `auth::identify` verified it.
#[derive(Debug, Clone, Default)]
pub enum Caller {
    #[default]
    Anonymous,
    User(AuthUser),
    Key(KeyCaller),
}

impl Caller {
    /// Whether the caller is shown what anonymous readers are (and may share their kept
    /// answers): anyone but users and keys that preview.
    pub fn sees_public_only(&self) -> bool {
        match self {
            Self::Anonymous => true,
            Self::User(_) => false,
            Self::Key(key) => !key.may(Scope::Preview),
        }
    }
}
