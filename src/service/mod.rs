//! The rules and the writes, one module per resource: what a stored item must satisfy, how
//! a write resolves what it names, and what it records beside the change (its revision).
//! `api` (HTTP), `seed` and `cli` call these; every write runs through `AppState::write`,
//! the one write path.

pub mod audit;
pub mod authors;
pub mod bodies;
pub mod keys;
pub mod media;
pub mod news;
pub mod offices;
pub mod organizations;
pub mod parts;
pub mod revisions;
pub mod terms;
pub mod translations;
pub mod trash;
pub mod users;
pub mod webhooks;
