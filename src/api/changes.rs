//! The change feed for partner mirrors: `/api/v1/news/changes`. Every change anonymous
//! readers could observe, oldest first; an item that leaves public view (unpublished,
//! trashed, purged) is a `delete` tombstone, a scheduled one an `upsert` once its time comes.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, utc};
use crate::db;
use crate::domain::ids::NewsId;
use crate::domain::news::NewsItem;
use crate::domain::params::{self, bounded, once};
use crate::error::ApiError;
use crate::service::news;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_changes);
}

/// What happened to an item.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// The item is public as `item` shows it: store or replace it.
    Upsert,
    /// The item left public view: remove it.
    Delete,
}

/// One change.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = Change::example)]
pub struct Change {
    /// Resume after this change by passing it as `since`.
    pub cursor: String,
    pub op: Op,
    pub id: NewsId,
    /// When the change happened (for a scheduled item, its publication).
    pub at: DateTime<Utc>,
    /// The item's language (for `delete` too, while the item is in the trash; `null` once it
    /// is purged).
    #[schema(example = "en")]
    pub lang: Option<String>,
    /// The item as it is now; `null` for `delete`.
    pub item: Option<NewsItem>,
}

/// One page of changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeList {
    pub changes: Vec<Change>,
    /// Pass as `since` to get what follows; returned even when nothing did, to poll with.
    pub next_cursor: String,
    /// Whether more changes follow at once (fetch again without waiting).
    pub has_more: bool,
}

/// Where to start and how much to take.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// `next_cursor` (or a change's `cursor`) of an earlier answer; absent: from the beginning.
    #[param(pattern = r"^[0-9]{1,18}$", example = "42")]
    #[serde(default, deserialize_with = "once")]
    since: Option<String>,
    /// Changes per page.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000, default = 100)]
    #[serde(default, deserialize_with = "once")]
    limit: Option<String>,
}

/// Every public change since a cursor, oldest first, deletions as tombstones
///
/// Every change anonymous readers could observe after `since`, oldest first: `upsert` with the
/// item as it is now, or `delete` when it left public view (unpublished, trashed, purged), each
/// item once at its latest change. Keep `next_cursor` and poll with it; `has_more` says to
/// fetch again at once. Answered `no-cache`. A cursor this server did not issue is 400.
#[utoipa::path(
    operation_id = "list_news_changes", security((), ("bearer" = [])), tag = "sync", params(ChangeParams),
    responses((status = 200, description = "The changes after `since`", body = ChangeList), crate::openapi::ListErrors)
)]
#[get("/news/changes")]
pub async fn list_changes(state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let query: ChangeParams = params::read(req.query_string())?;
    let since = params::parsed("since", query.since.as_deref(), parse_cursor)?.unwrap_or(0);
    let limit = params::parsed("limit", query.limit.as_deref(), |v| bounded(v, 1, 1000))?.unwrap_or(100);
    news::announce_due(&state).await?;
    let urls = state.media.urls.clone();
    let (changes, has_more) =
        state.db(move |c| Ok(db::news::changes(c, &urls, since, i64::try_from(limit).unwrap_or(1000))?)).await?;
    let next_cursor = changes.last().map_or(since, |c| c.seq).to_string();
    let changes = changes
        .into_iter()
        .map(|change| Change {
            cursor: change.seq.to_string(),
            op: if change.item.is_some() { Op::Upsert } else { Op::Delete },
            id: change.id,
            at: utc(change.at),
            lang: change.lang,
            item: change.item.map(|view| view.item()),
        })
        .collect();
    // A mirror polls for what is new: a cached answer would hide it.
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-cache")).json(ChangeList {
        changes,
        next_cursor,
        has_more,
    }))
}

impl Change {
    /// The example of the schema: an upsert carrying the item's own example.
    fn example() -> serde_json::Value {
        serde_json::json!({"cursor": "42", "op": "upsert", "id": 7, "at": "2026-11-28T10:00:00Z", "lang": "en", "item": NewsItem::example()})
    }
}

/// A cursor is the number of the last change seen.
fn parse_cursor(value: &str) -> Result<i64, String> {
    value
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0 && value.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| "expected the `next_cursor` of an earlier answer".into())
}
