//! The audit trail: `GET /api/v1/audit`, newest first, filtered by who, what and since when.
//! Admins only.

use actix_web::{HttpRequest, HttpResponse, get};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, utc};
use crate::auth::Admin;
use crate::db;
use crate::db::audit::{AuditFilter, AuditRow};
use crate::domain::dates::{self, DateOrInstant};
use crate::domain::listing::{OffsetParams, Page};
use crate::domain::params::{self, once, parsed};
use crate::error::ApiError;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}

/// One entry of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"seq": 42, "at": "2026-12-05T10:00:00Z", "actor": "alice", "action": "news.update",
    "resource": "news", "resource_id": "14", "address": "192.0.2.7", "outcome": "success",
    "prev_hash": "5f1c…", "hash": "9ab0…"}))]
pub struct AuditEntry {
    /// 1 for the first entry ever written, counting up.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// The user (for a sign-in, the name given); `null` for the service itself (the demo
    /// data, timers, the command line).
    pub actor: Option<String>,
    /// `resource.verb`, e.g. `news.update`, `auth.sign_in`.
    pub action: String,
    /// The kind of thing acted on: the part of `action` before the dot.
    pub resource: String,
    /// The id of what was acted on, when the action names one.
    pub resource_id: Option<String>,
    /// The client's address, as the service saw it (behind a trusted proxy, the address the
    /// proxy named).
    pub address: Option<String>,
    /// `success` or `failure` (only sign-ins fail: a refused write changes nothing and
    /// leaves no entry).
    pub outcome: String,
    /// The hash of the entry before this one: an entry edited or removed breaks the chain.
    pub prev_hash: String,
    /// SHA-256 of this entry's fields and `prev_hash`.
    pub hash: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        let resource = row.action.split('.').next().unwrap_or_default().to_owned();
        Self {
            seq: row.seq,
            at: utc(row.at),
            actor: row.actor,
            action: row.action,
            resource,
            resource_id: row.resource_id,
            address: row.address,
            outcome: row.outcome,
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

/// One page of the trail, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditEntry>,
    /// Entries the filters match, over all pages.
    pub total: i64,
    pub limit: u64,
    pub page: u64,
}

/// Which entries to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only this user's entries (for sign-ins, the name given).
    #[param(value_type = Option<String>, example = "alice")]
    #[serde(default, deserialize_with = "once")]
    actor: Option<String>,
    /// One action (`news.update`) or every action on one kind of thing (`news`).
    #[param(value_type = Option<String>, example = "auth.sign_in", pattern = r"^[a-z_]+(\.[a-z_]+)?$")]
    #[serde(default, deserialize_with = "once")]
    action: Option<String>,
    /// Entries written at or after this instant, or this date (UTC).
    #[param(value_type = Option<String>, example = "2026-12-01")]
    #[serde(default, deserialize_with = "once")]
    since: Option<String>,
}

fn parse_action(s: &str) -> Result<String, String> {
    let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    match s.split_once('.') {
        Some((resource, verb)) if word(resource) && word(verb) => Ok(s.to_owned()),
        None if word(s) => Ok(s.to_owned()),
        _ => Err("must be an action such as `news.update`, or a kind of thing such as `news`".into()),
    }
}

fn parse_since(s: &str) -> Result<chrono::NaiveDateTime, String> {
    Ok(match DateOrInstant::parse(s)? {
        DateOrInstant::Date(date) => dates::start_of_day(date, chrono_tz::UTC).naive_utc(),
        DateOrInstant::Instant(t) => t.naive_utc(),
    })
}

/// List the audit trail
///
/// One page of the audit trail, newest first: every sign-in attempt (both outcomes) and every
/// write, with who made it, from which address, and what it was done to. Each entry carries the
/// hash of the one before it, so an entry edited or removed in the database shows (`newsdesk
/// audit verify` checks the whole chain). Admins only (401 without a valid bearer token, 403
/// with too low a role).
#[utoipa::path(
    operation_id = "list_audit", security(("bearer" = [])), tag = "audit", params(OffsetParams, AuditParams),
    responses((status = 200, description = "One page of the trail, newest first", body = AuditList), crate::openapi::ListErrors, crate::openapi::AdminReadErrors)
)]
#[get("/audit")]
pub async fn list_audit(state: State, _: Admin, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let (paging, p) = params::read_both::<OffsetParams, AuditParams>(req.query_string())?;
    let page = Page::new(&paging)?;
    let filter = AuditFilter {
        actor: p.actor,
        action: parsed("action", p.action.as_deref(), parse_action)?,
        since: parsed("since", p.since.as_deref(), parse_since)?,
    };
    let (rows, total) = state.db(move |c| Ok(db::audit::list(c, &filter, page.size(), page.offset())?)).await?;
    let items = rows.into_iter().map(AuditEntry::from).collect();
    Ok(HttpResponse::Ok().json(AuditList { items, total, limit: page.limit, page: page.page }))
}
