//! newsdesk: a headless news and organization-profile service. See `app` for how the pieces
//! fit: `api` (HTTP handlers) over `service` (rules and writes) over `db` (queries) over
//! `domain` (validated values); `state` holds the one write path they all write through, and
//! `push` sends partners the events those writes leave in the outbox.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod feeds;
pub mod http;
pub mod media;
pub mod openapi;
pub mod push;
pub mod search;
pub mod seed;
pub mod service;
pub mod state;
pub mod tls;
