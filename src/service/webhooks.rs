//! Webhooks: made, listed, changed, given a new secret and deleted by admins; their delivery
//! log, a delivery sent again, a test delivery. The events themselves are written by the
//! changes that cause them (`db::webhooks::enqueue`) and sent by `push::Pusher`.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::terms::TermKind;
use crate::db::webhooks::{AttemptRow, DeliveryLog, WebhookRow, WebhookSettings};
use crate::db::{self, DbConn};
use crate::domain::audit::{Action, Actor, Resource, Verb};
use crate::domain::dates::{self, utc};
use crate::domain::ids::{DeliveryId, WebhookId};
use crate::domain::language::Languages;
use crate::domain::params::{bounded, once, parsed};
use crate::domain::patch::not_null;
use crate::domain::slug::Key;
use crate::domain::webhooks::{self, EventType, Filters, PING};
use crate::error::{ApiError, FieldError, Fields};
use crate::push::target;
use crate::state::AppState;

/// How long finished deliveries stay in the log.
const LOG_DAYS: i64 = 30;
/// How long the secret before a rotation keeps signing deliveries too.
const ROTATION_GRACE_HOURS: i64 = 24;
/// Values a filter may list.
const MAX_FILTER_VALUES: usize = 100;

/// A webhook, as admins see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "url": "https://partner.example/hooks/newsdesk",
    "events": ["news.published", "news.updated"], "filters": {"topic": ["terrorism"], "region": [], "lang": []},
    "active": true, "disabled_reason": null, "created_at": "2026-12-05T10:00:00Z", "updated_at": "2026-12-05T10:00:00Z",
    "last_success_at": "2026-12-05T10:02:00Z", "last_failure": null, "failing_since": null, "previous_secret_until": null}))]
pub struct Webhook {
    pub id: WebhookId,
    /// Where deliveries are POSTed.
    pub url: String,
    pub events: Vec<EventType>,
    pub filters: Filters,
    /// Whether events are sent. The service turns it off when the receiver answers 410 Gone or
    /// every delivery has failed for `NEWSDESK_WEBHOOK_DISABLE_AFTER`. While off, no event is
    /// recorded for it (the change feed, from the last `changes_cursor` received, has what
    /// came meanwhile); deliveries already pending go out when it is turned on again.
    pub active: bool,
    /// Why the service turned the webhook off, if it did.
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure: Option<Failure>,
    /// Since when every attempt has failed; `null` while deliveries succeed.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until this instant the secret before the last rotation signs deliveries too.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// The signing secret (`whsec_…`, as Standard Webhooks libraries take it): only in the
    /// answer to a create or a rotation, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The last failed attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct Failure {
    pub at: DateTime<Utc>,
    /// The receiver's status; `null` when no answer came.
    pub response_code: Option<i32>,
    pub error: Option<String>,
}

impl Webhook {
    fn new(row: WebhookRow, secret: Option<String>) -> Result<Self, ApiError> {
        let previous_secret_until = row.previous_until.filter(|t| *t > dates::now().naive_utc()).map(utc);
        Ok(Self {
            id: row.id,
            url: row.url,
            events: webhooks::from_stored(&row.events).map_err(ApiError::internal)?,
            filters: serde_json::from_str(&row.filters).map_err(ApiError::internal)?,
            active: row.active,
            disabled_reason: row.disabled_reason,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            last_success_at: row.last_success_at.map(utc),
            last_failure: row.last_failure_at.map(|at| Failure {
                at: utc(at),
                response_code: row.last_failure_status,
                error: row.last_failure_error,
            }),
            failing_since: row.failing_since.map(utc),
            previous_secret_until,
            secret,
        })
    }
}

/// A webhook to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://partner.example/hooks/newsdesk", "events": ["news.published"],
    "filters": {"topic": ["terrorism"]}}))]
pub struct WebhookWrite {
    /// An `http` or `https` URL, at most 2048 bytes, that resolves to public addresses.
    #[schema(example = "https://partner.example/hooks/newsdesk", max_length = 2048)]
    pub url: String,
    /// At least one.
    #[schema(min_items = 1)]
    pub events: Vec<EventType>,
    /// Absent: every item.
    #[serde(default)]
    pub filters: Filters,
    /// Default `true`.
    #[serde(default)]
    pub active: Option<bool>,
}

/// A partial change: absent fields are kept. Turning a webhook on again clears why the
/// service turned it off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": true}))]
pub struct WebhookPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, max_length = 2048)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, min_items = 1)]
    pub events: Option<Vec<EventType>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub filters: Option<Filters>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
}

/// A webhook's settings, every field checked but the URL's addresses (which need a lookup).
struct ValidWebhook {
    url: url::Url,
    events: String,
    filters: Filters,
    active: bool,
}

impl WebhookWrite {
    fn validate(mut self, site: &Languages) -> Result<ValidWebhook, ApiError> {
        let mut fields = Fields::default();
        let url = fields.read("url", target::parse(&self.url));
        if self.events.is_empty() {
            fields.refuse("events", "must name at least one event type");
        }
        let mut events = self.events;
        events.sort_unstable();
        events.dedup();
        for (name, values) in
            [("topic", &self.filters.topic), ("region", &self.filters.region), ("lang", &self.filters.lang)]
        {
            if values.len() > MAX_FILTER_VALUES {
                fields.refuse(format!("filters.{name}"), format!("must list at most {MAX_FILTER_VALUES} values"));
            }
        }
        for (i, lang) in self.filters.lang.iter_mut().enumerate() {
            match site.site(lang) {
                Some(tag) => *lang = tag.to_owned(),
                None => fields.refuse(
                    format!("filters.lang[{i}]"),
                    format!("is not one of this site's languages ({})", site.all().join(", ")),
                ),
            }
        }
        fields.finish(|| {
            Some(ValidWebhook {
                url: url?,
                events: webhooks::stored(&events),
                filters: self.filters,
                active: self.active.unwrap_or(true),
            })
        })
    }
}

impl WebhookPatch {
    fn apply(self, current: &WebhookRow) -> Result<WebhookWrite, ApiError> {
        Ok(WebhookWrite {
            url: self.url.unwrap_or_else(|| current.url.clone()),
            events: match self.events {
                Some(events) => events,
                None => webhooks::from_stored(&current.events).map_err(ApiError::internal)?,
            },
            filters: match self.filters {
                Some(filters) => filters,
                None => serde_json::from_str(&current.filters).map_err(ApiError::internal)?,
            },
            active: Some(self.active.unwrap_or(current.active)),
        })
    }
}

impl ValidWebhook {
    /// Checks that the filters name topics and regions that exist (inside the write).
    fn check_filters(&self, conn: &mut DbConn) -> Result<(), ApiError> {
        let mut fields = Fields::default();
        for (kind, values) in [(TermKind::Topic, &self.filters.topic), (TermKind::Region, &self.filters.region)] {
            let name = <&str>::from(kind);
            for (i, slug) in values.iter().enumerate() {
                if db::terms::find(conn, kind, &Key::Slug(slug.clone())).optional()?.is_none() {
                    fields.refuse(format!("filters.{name}[{i}]"), format!("no {name} with slug `{slug}`"));
                }
            }
        }
        fields.finish(|| Some(()))
    }

    /// The settings to store; `current` keeps the service's verdict unless the webhook is
    /// turned on again.
    fn settings<'a>(&'a self, filters: &'a str, current: Option<&'a WebhookRow>) -> WebhookSettings<'a> {
        let kept = current.filter(|c| !self.active || c.active);
        WebhookSettings {
            url: self.url.as_str(),
            events: &self.events,
            filters,
            active: self.active,
            disabled_reason: kept.and_then(|c| c.disabled_reason.as_deref()),
            failing_since: kept.and_then(|c| c.failing_since),
            updated_at: dates::now().naive_utc(),
        }
    }
}

/// Checks the URL's addresses (a lookup, outside any transaction).
async fn resolve(state: &AppState, url: &url::Url) -> Result<(), ApiError> {
    target::check(url, state.push.allow_private)
        .await
        .map_err(|message| ApiError::invalid_fields(vec![FieldError::new("url", message)]))
}

fn find(conn: &mut DbConn, segment: &str) -> Result<WebhookRow, ApiError> {
    let missing = || ApiError::NotFound(format!("no webhook with id {segment}"));
    let Some(Key::<WebhookId>::Id(id)) = Key::parse(segment) else { return Err(missing()) };
    db::webhooks::find(conn, id).optional()?.ok_or_else(missing)
}

pub async fn list(state: &AppState) -> Result<Vec<Webhook>, ApiError> {
    let rows = state.db(|c| Ok(db::webhooks::list(c)?)).await?;
    rows.into_iter().map(|row| Webhook::new(row, None)).collect()
}

pub async fn get(state: &AppState, segment: String) -> Result<Webhook, ApiError> {
    Webhook::new(state.db(move |c| find(c, &segment)).await?, None)
}

/// Makes a webhook; the answer holds its secret, this once.
pub async fn create(state: &AppState, actor: &Actor, write: WebhookWrite) -> Result<Webhook, ApiError> {
    let valid = write.validate(&state.languages)?;
    resolve(state, &valid.url).await?;
    let secret = webhooks::new_secret().map_err(ApiError::internal)?;
    let stored_secret = secret.clone();
    let row = state
        .write(actor.did(Action(Resource::Webhook, Verb::Create)), move |c, entry| {
            valid.check_filters(c)?;
            let filters = serde_json::to_string(&valid.filters).map_err(ApiError::internal)?;
            let row = db::webhooks::insert(c, &stored_secret, &valid.settings(&filters, None))?;
            entry.on(row.id);
            Ok(row)
        })
        .await?;
    Webhook::new(row, Some(secret))
}

/// Changes a webhook's URL, events, filters or whether it is on. The patch applies to the
/// webhook as the write finds it (the service may have turned it off meanwhile); a new URL is
/// resolved first, outside the write.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    segment: String,
    patch: WebhookPatch,
) -> Result<Webhook, ApiError> {
    if let Some(url) = &patch.url {
        let url =
            target::parse(url).map_err(|message| ApiError::invalid_fields(vec![FieldError::new("url", message)]))?;
        resolve(state, &url).await?;
    }
    let site = state.languages.clone();
    let row = state
        .write(actor.did(Action(Resource::Webhook, Verb::Update)), move |c, entry| {
            let current = find(c, &segment)?;
            let valid = patch.apply(&current)?.validate(&site)?;
            valid.check_filters(c)?;
            let filters = serde_json::to_string(&valid.filters).map_err(ApiError::internal)?;
            entry.on(current.id);
            Ok(db::webhooks::update(c, current.id, &valid.settings(&filters, Some(&current)))?)
        })
        .await?;
    Webhook::new(row, None)
}

/// Gives a webhook a new secret; the answer holds it, this once. The secret before keeps
/// signing deliveries beside it for 24 hours, so the receiver can switch without a gap.
pub async fn rotate(state: &AppState, actor: &Actor, segment: String) -> Result<Webhook, ApiError> {
    let secret = webhooks::new_secret().map_err(ApiError::internal)?;
    let stored_secret = secret.clone();
    let row = state
        .write(actor.did(Action(Resource::Webhook, Verb::Rotate)), move |c, entry| {
            let current = find(c, &segment)?;
            let until = (dates::now() + chrono::Duration::hours(ROTATION_GRACE_HOURS)).naive_utc();
            entry.on(current.id);
            Ok(db::webhooks::rotate(c, current.id, &stored_secret, until)?)
        })
        .await?;
    Webhook::new(row, Some(secret))
}

/// Deletes a webhook, with its deliveries: what is pending is never sent.
pub async fn delete(state: &AppState, actor: &Actor, segment: String) -> Result<(), ApiError> {
    state
        .write(actor.did(Action(Resource::Webhook, Verb::Delete)), move |c, entry| {
            let current = find(c, &segment)?;
            entry.on(current.id);
            db::webhooks::delete(c, current.id)?;
            Ok(())
        })
        .await
}

/// One delivery of an event to a webhook, with every attempt.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 12, "event_id": "msg_2f6c1d0e9a8b7c6d5e4f3a2b1c0d9e8f", "type": "news.published",
    "status": "succeeded", "attempt_count": 2, "response_code": 200, "duration_ms": 41, "error": null,
    "next_attempt_at": null, "created_at": "2026-12-05T10:00:00Z", "updated_at": "2026-12-05T10:00:05Z",
    "attempts": [{"at": "2026-12-05T10:00:00Z", "response_code": 500, "duration_ms": 12,
        "error": "the receiver answered 500", "response_body": "try later"},
        {"at": "2026-12-05T10:00:05Z", "response_code": 200, "duration_ms": 41, "error": null, "response_body": ""}]}))]
pub struct Delivery {
    pub id: DeliveryId,
    /// The event's `webhook-id`: the same on every attempt and redelivery.
    pub event_id: String,
    /// The event's type (`news.published`, …, or `ping`).
    #[serde(rename = "type")]
    pub kind: String,
    /// `pending` (to be tried at `next_attempt_at`), `succeeded`, or `failed` (retries ran
    /// out, or the receiver answered 410 Gone).
    pub status: String,
    pub attempt_count: i32,
    /// Of the last attempt.
    pub response_code: Option<i32>,
    pub duration_ms: Option<i32>,
    pub error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Every attempt, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    pub at: DateTime<Utc>,
    /// The receiver's status; `null` when no answer came (refused, timed out).
    pub response_code: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    /// The start (2 KiB at most) of the receiver's answer.
    pub response_body: Option<String>,
}

impl From<DeliveryLog> for Delivery {
    fn from(log: DeliveryLog) -> Self {
        let d = log.delivery;
        let pending = d.state == db::webhooks::State::Pending.as_str();
        Self {
            id: d.id,
            event_id: log.uid,
            kind: log.kind,
            status: d.state,
            attempt_count: d.attempts,
            response_code: d.response_status,
            duration_ms: d.duration_ms,
            error: d.error,
            next_attempt_at: pending.then(|| utc(d.next_attempt_at)),
            created_at: utc(d.created_at),
            updated_at: utc(d.updated_at),
            attempts: log.attempts.into_iter().map(DeliveryAttempt::from).collect(),
        }
    }
}

impl From<AttemptRow> for DeliveryAttempt {
    fn from(row: AttemptRow) -> Self {
        Self {
            at: utc(row.at),
            response_code: row.response_status,
            duration_ms: row.duration_ms,
            error: row.error,
            response_body: row.response_body,
        }
    }
}

/// Which deliveries to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Deliveries per page (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "once")]
    limit: Option<String>,
    /// Only deliveries older than this one (the last `id` of the page before).
    #[param(value_type = Option<i64>, minimum = 1)]
    #[serde(default, deserialize_with = "once")]
    before: Option<String>,
}

impl DeliveryParams {
    fn read(&self) -> Result<(i64, Option<DeliveryId>), ApiError> {
        let limit = parsed("limit", self.limit.as_deref(), |v| bounded(v, 1, 200))?.unwrap_or(50);
        let before = parsed("before", self.before.as_deref(), |v| bounded(v, 1, i64::MAX.unsigned_abs()))?;
        Ok((i64::try_from(limit).unwrap_or(200), before.map(|id| DeliveryId(i64::try_from(id).unwrap_or(i64::MAX)))))
    }
}

/// A webhook's deliveries, newest first, and whether older ones follow.
pub async fn deliveries(
    state: &AppState,
    segment: String,
    params: DeliveryParams,
) -> Result<(Vec<Delivery>, bool), ApiError> {
    let (limit, before) = params.read()?;
    let (logs, more) = state
        .db(move |c| {
            let hook = find(c, &segment)?;
            Ok(db::webhooks::deliveries(c, hook.id, before, limit)?)
        })
        .await?;
    Ok((logs.into_iter().map(Delivery::from).collect(), more))
}

/// Sends a delivery again (the same event, so the same `webhook-id`), at once.
pub async fn redeliver(
    state: &AppState,
    actor: &Actor,
    segment: String,
    delivery: String,
) -> Result<Delivery, ApiError> {
    let log = state
        .write(actor.did(Action(Resource::Webhook, Verb::Redeliver)), move |c, entry| {
            let hook = find(c, &segment)?;
            let missing = || ApiError::NotFound(format!("webhook {segment} has no delivery {delivery}"));
            let Some(Key::<DeliveryId>::Id(id)) = Key::parse(&delivery) else { return Err(missing()) };
            db::webhooks::delivery(c, hook.id, id).optional()?.ok_or_else(missing)?;
            db::webhooks::redeliver(c, id)?;
            entry.on(hook.id);
            Ok(db::webhooks::delivery(c, hook.id, id)?)
        })
        .await?;
    Ok(Delivery::from(log))
}

/// Queues a test delivery (`type: ping`) to the webhook, sent at once; 409 while it is off.
pub async fn ping(state: &AppState, actor: &Actor, segment: String) -> Result<Delivery, ApiError> {
    let log = state
        .write(actor.did(Action(Resource::Webhook, Verb::Ping)), move |c, entry| {
            let hook = find(c, &segment)?;
            if !hook.active {
                return Err(ApiError::Conflict(format!(
                    "webhook {} is off; turn it on (`active`) to ping it",
                    hook.id
                )));
            }
            let data = serde_json::json!({"webhook_id": hook.id, "url": hook.url});
            // A subject of its own: a ping waits for no other event, and none waits for it.
            let subject = format!("ping:{}:{}", hook.id, dates::now().timestamp_micros());
            let id = db::webhooks::insert_for(c, hook.id, PING, &subject, data)?;
            entry.on(hook.id);
            Ok(db::webhooks::delivery(c, hook.id, id)?)
        })
        .await?;
    Ok(Delivery::from(log))
}

/// Forgets deliveries that finished more than 30 days ago, with their attempts and events.
pub async fn forget_finished(state: &AppState) -> Result<usize, ApiError> {
    let cutoff = (dates::now() - chrono::Duration::days(LOG_DAYS)).naive_utc();
    state.bookkeep(move |c| Ok(db::webhooks::forget_finished_before(c, cutoff)?)).await
}
