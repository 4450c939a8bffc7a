//! The audit trail's entries: who did what to which resource, when, from which address, and
//! with what outcome. Every write of the service records one (see `AppState::write`), and so
//! does every sign-in attempt.

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;

closed_set! {
    "snake_case",
    /// What kind of thing an action is done to.
    pub enum Resource {
        News,
        Organization,
        Body,
        Office,
        Topic,
        Region,
        Author,
        /// An uploaded image.
        Media,
        /// A user account.
        User,
        /// A partner key.
        Key,
        /// Where changes are pushed to partners.
        Webhook,
        /// A WebSub subscription to a feed.
        Subscription,
        /// Signing in and out.
        Auth,
        /// The demo data, loaded into an empty database.
        Demo,
        /// The audit trail itself (its oldest entries cut).
        Audit,
    }
}

closed_set! {
    "snake_case",
    /// What was done.
    pub enum Verb {
        Create,
        Replace,
        Update,
        Delete,
        /// Moved to the trash.
        Trash,
        /// Brought back from the trash.
        Restore,
        /// Deleted from the trash for good.
        Purge,
        /// Stored again as it was at an earlier revision.
        Revert,
        /// A scheduled item's time came.
        Publish,
        /// A preview link was made.
        Preview,
        /// A partner key given a new secret.
        Rotate,
        /// Partner keys used since the last such entry (their `last_used_at`).
        Use,
        /// A test delivery sent to a webhook.
        Ping,
        /// A delivery sent again.
        Redeliver,
        SignIn,
        SignOut,
        Load,
        Prune,
    }
}

/// An action, named `resource.verb` in the trail (`news.update`, `auth.sign_in`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action(pub Resource, pub Verb);

impl Action {
    /// Whether the action changes what readers are shown (and so what is kept for them).
    pub fn changes_content(self) -> bool {
        !matches!(
            self.0,
            Resource::User
                | Resource::Key
                | Resource::Webhook
                | Resource::Subscription
                | Resource::Auth
                | Resource::Audit
        ) && self.1 != Verb::Preview
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

closed_set! {
    "lowercase",
    /// How an action ended. Writes that were refused change nothing and leave no entry; a
    /// sign-in attempt is recorded either way.
    pub enum Outcome {
        Success,
        Failure,
    }
}

/// Who acts, and from where: a user, or the service itself (the demo data, timers, the
/// command line), which has neither a name nor an address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub name: Option<String>,
    pub address: Option<IpAddr>,
}

impl Actor {
    /// The service itself.
    pub fn service() -> Self {
        Self::default()
    }

    /// An entry for `action` by this actor, a success unless told otherwise.
    pub fn did(&self, action: Action) -> Entry {
        Entry {
            actor: self.clone(),
            action,
            resource_ids: Vec::new(),
            outcome: Outcome::Success,
            reach: Reach::Everyone,
        }
    }
}

/// What one write records: one line of the trail per resource it names (one without a
/// resource when it names none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub actor: Actor,
    pub action: Action,
    pub resource_ids: Vec<String>,
    pub outcome: Outcome,
    /// Which of the answers kept for anonymous readers the write can change.
    pub reach: Reach,
}

/// Which of the answers kept for anonymous readers a write can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// None: it changes nothing anonymous readers see, now or later (a draft's write).
    Nobody,
    /// Those about these organizations (by slug), and those about no one organization: the
    /// answers about every other organization stay.
    Organizations(BTreeSet<String>),
    /// Any.
    Everyone,
}

impl Reach {
    /// What two writes committed together can change.
    pub fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::Nobody, reach) | (reach, Self::Nobody) => reach,
            (Self::Organizations(mut these), Self::Organizations(those)) => {
                these.extend(those);
                Self::Organizations(these)
            }
            _ => Self::Everyone,
        }
    }
}

impl Entry {
    /// Names a resource the action was done to (its id, or what the client named it by).
    pub fn on(&mut self, id: impl fmt::Display) {
        self.resource_ids.push(id.to_string());
    }

    /// Marks the write as one that changes nothing anonymous readers see.
    pub fn unseen(&mut self) {
        self.reach = Reach::Nobody;
    }

    /// Marks the write as one that changes what anonymous readers see only in general answers
    /// and in those about `organizations` (unless it changes nothing they see).
    pub fn within(&mut self, organizations: impl IntoIterator<Item = String>) {
        if self.reach != Reach::Nobody {
            self.reach = Reach::Organizations(organizations.into_iter().collect());
        }
    }

    /// The same entry, as a failure.
    pub fn failed(self) -> Self {
        Self { outcome: Outcome::Failure, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_named_resource_dot_verb() {
        assert_eq!(Action(Resource::News, Verb::Create).to_string(), "news.create");
        assert_eq!(Action(Resource::Auth, Verb::SignIn).to_string(), "auth.sign_in");
        assert!(Action(Resource::Topic, Verb::Delete).changes_content());
        assert!(!Action(Resource::User, Verb::Update).changes_content());
    }
}
