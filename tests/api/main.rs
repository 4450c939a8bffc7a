//! Integration tests: the real app on a fresh database per test (an SQLite file, or a
//! PostgreSQL database when `NEWSDESK_TEST_POSTGRES` names a server), driven in-process
//! through HTTP requests, asserting what a client sees.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly on what it did not expect")]

mod audit;
mod auth;
mod authors;
mod backup;
mod cache;
mod changes;
mod conformance;
mod counts;
mod database;
mod errors;
mod feeds;
mod fuzz;
mod helpers;
mod keys;
mod languages;
mod listing;
mod media;
mod migrations;
mod news;
mod organizations;
mod preview;
mod receiver;
mod replicas;
mod revisions;
mod search;
mod security;
mod server;
mod service;
mod snapshots;
mod taxonomy;
mod trash;
mod webhooks;
mod websub;
mod write_path;
