//! User accounts: the roles that decide what a signed-in user may do.

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
