//! Integration tests: the real app on a fresh SQLite file per test, driven in-process
//! through HTTP requests, asserting what a client sees.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly on what it did not expect")]

mod auth;
mod authors;
mod backup;
mod changes;
mod errors;
mod feeds;
mod fuzz;
mod helpers;
mod listing;
mod news;
mod organizations;
mod revisions;
mod service;
mod taxonomy;
mod trash;
