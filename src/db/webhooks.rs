//! Queries on webhooks, the outbox of events written with the changes that cause them, and
//! the deliveries of those events.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::schema::{webhook_attempts, webhook_deliveries, webhook_events, webhooks};
use super::{Backend, DbConn};
use crate::domain::dates::{self, utc};
use crate::domain::ids::{DeliveryId, WebhookId};
use crate::domain::webhooks::{EventType, Filters, Subject, from_stored, message_id};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = webhooks, check_for_backend(Backend))]
pub struct WebhookRow {
    pub id: WebhookId,
    pub url: String,
    pub secret: String,
    /// The secret before the last rotation, which signs too until `previous_until`.
    pub previous_secret: Option<String>,
    pub previous_until: Option<NaiveDateTime>,
    /// A comma list (`domain::webhooks::stored`).
    pub events: String,
    /// JSON (`domain::webhooks::Filters`).
    pub filters: String,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_success_at: Option<NaiveDateTime>,
    pub last_failure_at: Option<NaiveDateTime>,
    pub last_failure_status: Option<i32>,
    pub last_failure_error: Option<String>,
    pub failing_since: Option<NaiveDateTime>,
}

impl WebhookRow {
    /// The secrets that sign a delivery now: the current one, and the one before while it
    /// still counts.
    pub fn secrets(&self, now: NaiveDateTime) -> Vec<String> {
        let previous = self.previous_secret.clone().filter(|_| self.previous_until.is_some_and(|t| t > now));
        std::iter::once(self.secret.clone()).chain(previous).collect()
    }
}

/// What an admin sets on a webhook (and what the service keeps of its health with it).
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = webhooks, treat_none_as_null = true)]
pub struct WebhookSettings<'a> {
    pub url: &'a str,
    pub events: &'a str,
    pub filters: &'a str,
    pub active: bool,
    pub disabled_reason: Option<&'a str>,
    pub failing_since: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table.order(webhooks::id).select(WebhookRow::as_select()).load(conn)
}

pub fn find(conn: &mut DbConn, id: WebhookId) -> QueryResult<WebhookRow> {
    webhooks::table.find(id).select(WebhookRow::as_select()).first(conn)
}

pub fn insert(conn: &mut DbConn, secret: &str, settings: &WebhookSettings) -> QueryResult<WebhookRow> {
    super::commit::webhooks_changed();
    diesel::insert_into(webhooks::table)
        .values((settings, webhooks::secret.eq(secret), webhooks::created_at.eq(settings.updated_at)))
        .returning(<WebhookRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: WebhookId, settings: &WebhookSettings) -> QueryResult<WebhookRow> {
    super::commit::webhooks_changed();
    diesel::update(webhooks::table.find(id))
        .set(settings)
        .returning(<WebhookRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

/// Gives the webhook a new secret; the current one signs too until `grace_until`.
pub fn rotate(conn: &mut DbConn, id: WebhookId, secret: &str, grace_until: NaiveDateTime) -> QueryResult<WebhookRow> {
    diesel::update(webhooks::table.find(id))
        .set((
            webhooks::previous_secret.eq(webhooks::secret.nullable()),
            webhooks::previous_until.eq(grace_until),
            webhooks::secret.eq(secret),
            webhooks::updated_at.eq(dates::now().naive_utc()),
        ))
        .returning(<WebhookRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

/// Deletes a webhook with its deliveries and their attempts, and takes it off the events still
/// to be sent (SQLite may give its id to the next webhook made).
pub fn delete(conn: &mut DbConn, id: WebhookId) -> QueryResult<usize> {
    super::commit::webhooks_changed();
    diesel::sql_query("UPDATE webhook_events SET targets = REPLACE(targets, $1, ',') WHERE targets LIKE $2")
        .bind::<diesel::sql_types::Text, _>(format!(",{id},"))
        .bind::<diesel::sql_types::Text, _>(format!("%,{id},%"))
        .execute(conn)?;
    diesel::delete(webhooks::table.find(id)).execute(conn)
}

/// An active webhook's id, events and filters, as stored.
pub type ActiveWebhook = (WebhookId, String, String);

/// Writes an event of `kind` about `subject` for the active webhooks that want it, inside the
/// caller's transaction: one row, which names them; the sender makes their deliveries
/// (`fan_out`). `describe` is asked only when one may: it gives what the filters look at (a
/// filter admits the event if it admits one of them; `None`: filters do not apply) and the
/// event's `data`.
pub fn enqueue<D: serde::Serialize>(
    conn: &mut DbConn,
    kind: EventType,
    subject: &str,
    describe: impl FnOnce(&mut DbConn) -> QueryResult<(Option<Vec<Subject>>, D)>,
) -> QueryResult<()> {
    let active = super::commit::active_webhooks(|| {
        native!(conn, |c| webhooks::table
            .filter(webhooks::active.eq(true))
            .select((webhooks::id, webhooks::events, webhooks::filters))
            .load(c))
    })?;
    let wanting: Vec<(WebhookId, Filters)> = active
        .into_iter()
        .filter(|(_, events, _)| from_stored(events).is_ok_and(|events| events.contains(&kind)))
        // Stored by the service from a valid value; one that cannot be read filters nothing.
        .map(|(id, _, filters)| (id, serde_json::from_str(&filters).unwrap_or_default()))
        .collect();
    if wanting.is_empty() {
        return Ok(());
    }
    let (about, data) = describe(conn)?;
    let targets: String = wanting
        .into_iter()
        .filter(|(_, filters)| about.as_ref().is_none_or(|about| about.iter().any(|a| filters.admit(a))))
        .map(|(id, _)| format!("{id},"))
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let event = NewEvent::new(kind.into(), subject, data)?;
    // Values of a fixed shape: diesel keeps the statement by its type, without writing it out.
    let row = (&event, webhook_events::targets.eq(format!(",{targets}")));
    native!(conn, |c| diesel::insert_into(webhook_events::table).values(row).execute(c)).map(drop)
}

/// An event as stored (with `targets` while its deliveries are to be made).
#[derive(Insertable)]
#[diesel(table_name = webhook_events, treat_none_as_default_value = false)]
struct NewEvent<'a> {
    uid: String,
    kind: &'a str,
    subject: &'a str,
    body: String,
    created_at: NaiveDateTime,
}

/// What every delivery of an event sends.
#[derive(serde::Serialize)]
struct Body<'a, D> {
    #[serde(rename = "type")]
    kind: &'a str,
    timestamp: String,
    data: D,
}

impl<'a> NewEvent<'a> {
    fn new(kind: &'a str, subject: &'a str, data: impl serde::Serialize) -> QueryResult<Self> {
        let unserializable =
            |err: Box<dyn std::error::Error + Send + Sync>| diesel::result::Error::SerializationError(err);
        let now = dates::now();
        let timestamp = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let body = serde_json::to_string(&Body { kind, timestamp, data }).map_err(|err| unserializable(err.into()))?;
        let uid = message_id().map_err(|err| unserializable(err.into()))?;
        Ok(Self { uid, kind, subject, body, created_at: now.naive_utc() })
    }
}

/// Stores an event for one webhook and its delivery, due at once; returns the delivery's id.
pub fn insert_for(
    conn: &mut DbConn,
    webhook: WebhookId,
    kind: &str,
    subject: &str,
    data: impl serde::Serialize,
) -> QueryResult<DeliveryId> {
    let event = NewEvent::new(kind, subject, data)?;
    let id: i64 =
        diesel::insert_into(webhook_events::table).values(&event).returning(webhook_events::id).get_result(conn)?;
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::webhook_id.eq(webhook),
            webhook_deliveries::event_id.eq(id),
            webhook_deliveries::subject.eq(subject),
            webhook_deliveries::state.eq(State::Pending.as_str()),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(event.created_at),
            webhook_deliveries::created_at.eq(event.created_at),
            webhook_deliveries::updated_at.eq(event.created_at),
        ))
        .returning(webhook_deliveries::id)
        .get_result(conn)
}

/// Events whose deliveries are still to be made.
fn unsent() -> diesel::dsl::IsNotNull<webhook_events::targets> {
    webhook_events::targets.is_not_null()
}

/// Makes the deliveries of up to `limit` events whose deliveries are still to be made, oldest
/// first, due at once; returns how many events it took. Deliveries are made in the order of
/// their events, which is the order of an item's changes (a write of an item waits for the one
/// before it), so a delivery's id orders it among its item's. To keep that across replicas, on
/// PostgreSQL one of them at a time does it: the others skip it and claim what is made.
pub fn fan_out(conn: &mut DbConn, limit: i64) -> QueryResult<usize> {
    if super::is_postgres(conn) {
        #[derive(QueryableByName)]
        struct Locked {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            locked: bool,
        }
        let lock: Locked = diesel::sql_query(format!("SELECT pg_try_advisory_xact_lock({FAN_OUT_LOCK}) AS locked"))
            .get_result(conn)?;
        if !lock.locked {
            return Ok(0);
        }
    }
    let events: Vec<i64> = webhook_events::table
        .filter(unsent())
        .order(webhook_events::id)
        .limit(limit)
        .select(webhook_events::id)
        .load(conn)?;
    if events.is_empty() {
        return Ok(0);
    }
    // The ids were just read, and are numbers: written into the statements, the two name
    // exactly the same events on both databases (a range could take in one committed between
    // them on PostgreSQL, and clear it unsent).
    let ids = events.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    diesel::sql_query(format!(
        "INSERT INTO webhook_deliveries \
           (webhook_id, event_id, subject, state, attempts, next_attempt_at, created_at, updated_at) \
         SELECT w.id, e.id, e.subject, 'pending', 0, e.created_at, e.created_at, e.created_at \
         {UNSENT} AND e.id IN ({ids}) ORDER BY e.id, w.id"
    ))
    .execute(conn)?;
    diesel::sql_query(format!("UPDATE webhook_events SET targets = NULL WHERE id IN ({ids})")).execute(conn)?;
    Ok(events.len())
}

/// Each event whose deliveries are still to be made, with each webhook it is for (`targets`
/// names them between commas: `,1,3,`).
const UNSENT: &str = "FROM webhook_events e JOIN webhooks w \
    ON e.targets LIKE ('%,' || CAST(w.id AS TEXT) || ',%') WHERE e.targets IS NOT NULL";

/// The PostgreSQL advisory lock held by the replica making deliveries (`fan_out`).
const FAN_OUT_LOCK: i64 = 0x6e65_7773_6661_6e6f;

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// To be tried (again) at `next_attempt_at`.
    Pending,
    Succeeded,
    /// Its retries ran out, or the receiver said it is gone.
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }
}

/// A delivery claimed for sending, with what it sends.
#[derive(Debug, Clone)]
pub struct Due {
    pub delivery: DeliveryId,
    pub webhook: WebhookId,
    pub url: String,
    pub secrets: Vec<String>,
    /// The `webhook-id`: the event's, the same for every attempt.
    pub uid: String,
    pub body: String,
    /// Attempts made before this one (since the last redelivery), from when.
    pub attempts: i32,
    pub first_attempt_at: Option<NaiveDateTime>,
    /// When the event was written.
    pub event_at: NaiveDateTime,
    /// Until when this process holds it: a record of an attempt counts only while it does.
    pub claimed_until: NaiveDateTime,
}

/// A claimed delivery as loaded: id, attempts, first attempt, event id and body, when the event
/// was written, and its webhook.
type Claimed = (DeliveryId, i32, Option<NaiveDateTime>, String, String, NaiveDateTime, WebhookRow);

/// Deliveries that may be claimed at `$1`, whenever due: pending, of an active webhook, not
/// claimed by a process, each the earliest of its subject still pending for its webhook.
/// Written so that both databases walk the pending deliveries by their due time (a partial
/// index) and never the delivered ones, which pile up in the log.
const CLAIMABLE: &str = "FROM webhook_deliveries d \
    WHERE d.state = 'pending' AND d.webhook_id IN (SELECT w.id FROM webhooks w WHERE w.active) \
    AND (d.claimed_until IS NULL OR d.claimed_until < $1) \
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id \
      AND e.subject = d.subject AND e.state = 'pending' AND e.id < d.id)";

/// When the first claimable delivery is due (at `now` or before: one can be claimed now). While
/// events wait for their deliveries to be made, now.
pub fn next_claimable(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
    if diesel::select(diesel::dsl::exists(webhook_events::table.filter(unsent()).select(webhook_events::id)))
        .get_result(conn)?
    {
        // Their deliveries are made when claiming.
        return Ok(Some(now));
    }
    #[derive(QueryableByName)]
    struct Next {
        #[diesel(sql_type = Timestamp)]
        at: NaiveDateTime,
    }
    let next: Option<Next> =
        diesel::sql_query(format!("SELECT d.next_attempt_at AS at {CLAIMABLE} ORDER BY d.next_attempt_at LIMIT 1"))
            .bind::<Timestamp, _>(now)
            .get_result(conn)
            .optional()?;
    Ok(next.map(|n| n.at))
}

/// Claims up to `limit` deliveries due at `now` for this process until `until`, oldest first:
/// of active webhooks, not claimed by another process, each the earliest of its subject still
/// pending for its webhook (order per item), and at most `per_webhook` in flight to one webhook
/// (`busy`: how many this process has in flight). Runs in the caller's transaction; on
/// PostgreSQL rows another replica is claiming at the same moment are skipped, not waited for.
pub fn claim(
    conn: &mut DbConn,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: usize,
    busy: &HashMap<WebhookId, usize>,
    per_webhook: usize,
) -> QueryResult<Vec<Due>> {
    #[derive(QueryableByName)]
    struct Candidate {
        #[diesel(sql_type = BigInt)]
        id: DeliveryId,
        #[diesel(sql_type = BigInt)]
        webhook_id: WebhookId,
    }
    let skip_locked = if super::is_postgres(conn) { " FOR UPDATE OF d SKIP LOCKED" } else { "" };
    let sql = format!(
        "SELECT d.id, d.webhook_id {CLAIMABLE} AND d.next_attempt_at <= $1 ORDER BY d.id LIMIT $2{skip_locked}"
    );
    let candidates: Vec<Candidate> = diesel::sql_query(sql)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(i64::try_from(limit * 4).unwrap_or(i64::MAX))
        .load(conn)?;
    let mut in_flight = busy.clone();
    let mut ids = Vec::new();
    for candidate in candidates {
        let count = in_flight.entry(candidate.webhook_id).or_default();
        if ids.len() < limit && *count < per_webhook {
            *count += 1;
            ids.push(candidate.id);
        }
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set(webhook_deliveries::claimed_until.eq(until))
        .execute(conn)?;
    let rows: Vec<Claimed> = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .inner_join(webhooks::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .order(webhook_deliveries::id)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::attempts,
            webhook_deliveries::first_attempt_at,
            webhook_events::uid,
            webhook_events::body,
            webhook_events::created_at,
            WebhookRow::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(delivery, attempts, first_attempt_at, uid, body, event_at, hook)| Due {
            delivery,
            webhook: hook.id,
            secrets: hook.secrets(now),
            url: hook.url,
            uid,
            body,
            attempts,
            first_attempt_at,
            event_at,
            claimed_until: until,
        })
        .collect())
}

/// Ends every claim (when no other process can hold one).
pub fn release_claims(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::claimed_until.is_not_null()))
        .set(webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>))
        .execute(conn)
}

/// How many deliveries are pending, for the metrics: those made, and those still to be made.
pub fn pending(conn: &mut DbConn) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Unsent {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let made: i64 = webhook_deliveries::table.filter(pending_only()).count().get_result(conn)?;
    let unsent: Unsent = diesel::sql_query(format!("SELECT COUNT(*) AS n {UNSENT}")).get_result(conn)?;
    Ok(made + unsent.n)
}

/// Pending deliveries, said with a literal: the partial indexes on them are used only then.
fn pending_only() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql("webhook_deliveries.state = 'pending'")
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: NaiveDateTime,
    /// The receiver's status; `None` when no answer came.
    pub status: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    /// The start of the answer's body.
    pub response_body: Option<String>,
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Succeeded,
    RetryAt(NaiveDateTime),
    /// No more retries.
    GiveUp,
    /// No more retries, and the webhook is disabled (the receiver is gone).
    Disable,
}

/// Records an attempt of a claimed delivery and what follows it, and the webhook's health:
/// a success clears `failing_since`, a failure sets it if unset; a webhook that has been
/// failing longer than `disable_after` is disabled. Returns whether the attempt counted (this
/// process still held the claim) and whether the webhook was disabled.
pub fn record_attempt(
    conn: &mut DbConn,
    due: &Due,
    attempt: &Attempt,
    next: Next,
    disable_after: chrono::Duration,
) -> QueryResult<(bool, bool)> {
    // The webhook's row first, as a delete of the webhook locks it before its deliveries.
    let hook = webhooks::table.find(due.webhook);
    diesel::update(hook).set(webhooks::id.eq(webhooks::id)).execute(conn)?;
    let (state, next_at) = match next {
        Next::Succeeded => (State::Succeeded, attempt.at),
        Next::RetryAt(at) => (State::Pending, at),
        Next::GiveUp | Next::Disable => (State::Failed, attempt.at),
    };
    let held = diesel::update(
        webhook_deliveries::table.find(due.delivery).filter(webhook_deliveries::claimed_until.eq(due.claimed_until)),
    )
    .set((
        webhook_deliveries::state.eq(state.as_str()),
        webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
        webhook_deliveries::first_attempt_at.eq(due.first_attempt_at.unwrap_or(attempt.at)),
        webhook_deliveries::next_attempt_at.eq(next_at),
        webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
        webhook_deliveries::response_status.eq(attempt.status),
        webhook_deliveries::duration_ms.eq(attempt.duration_ms),
        webhook_deliveries::error.eq(&attempt.error),
        webhook_deliveries::updated_at.eq(attempt.at),
    ))
    .execute(conn)?;
    if held == 0 {
        // The claim lapsed and another process has (or had) the delivery: its record counts.
        return Ok((false, false));
    }
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(due.delivery),
            webhook_attempts::at.eq(attempt.at),
            webhook_attempts::response_status.eq(attempt.status),
            webhook_attempts::duration_ms.eq(attempt.duration_ms),
            webhook_attempts::error.eq(&attempt.error),
            webhook_attempts::response_body.eq(&attempt.response_body),
        ))
        .execute(conn)?;
    if next == Next::Succeeded {
        diesel::update(hook)
            .set((webhooks::last_success_at.eq(attempt.at), webhooks::failing_since.eq(None::<NaiveDateTime>)))
            .execute(conn)?;
        return Ok((true, false));
    }
    let failing_since: Option<Option<NaiveDateTime>> = hook.select(webhooks::failing_since).first(conn).optional()?;
    let since = failing_since.flatten().unwrap_or(attempt.at);
    let reason = match next {
        Next::Disable => Some("the receiver answered 410 Gone".to_owned()),
        _ if attempt.at - since >= disable_after => Some(format!(
            "every delivery failed from {} on",
            utc(since).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )),
        _ => None,
    };
    let disabled = reason.is_some();
    diesel::update(hook)
        .set((
            webhooks::last_failure_at.eq(attempt.at),
            webhooks::last_failure_status.eq(attempt.status),
            webhooks::last_failure_error.eq(&attempt.error),
            webhooks::failing_since.eq(since),
        ))
        .execute(conn)?;
    if let Some(reason) = reason {
        super::commit::webhooks_changed();
        diesel::update(hook).set((webhooks::active.eq(false), webhooks::disabled_reason.eq(reason))).execute(conn)?;
    }
    Ok((true, disabled))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(Backend))]
pub struct DeliveryRow {
    pub id: DeliveryId,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub response_status: Option<i32>,
    pub duration_ms: Option<i32>,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts, check_for_backend(Backend))]
pub struct AttemptRow {
    pub delivery_id: DeliveryId,
    pub at: NaiveDateTime,
    pub response_status: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    pub response_body: Option<String>,
}

/// A delivery with its event's id and type, and its attempts, oldest first.
#[derive(Debug, Clone)]
pub struct DeliveryLog {
    pub delivery: DeliveryRow,
    pub uid: String,
    pub kind: String,
    pub attempts: Vec<AttemptRow>,
}

/// A webhook's deliveries, newest first: up to `limit` of those before `before` (a delivery
/// id), and whether more follow.
pub fn deliveries(
    conn: &mut DbConn,
    webhook: WebhookId,
    before: Option<DeliveryId>,
    limit: i64,
) -> QueryResult<(Vec<DeliveryLog>, bool)> {
    let mut query = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::id.lt(before));
    }
    let mut rows: Vec<(DeliveryRow, String, String)> = query
        .order(webhook_deliveries::id.desc())
        .limit(limit + 1)
        .select((DeliveryRow::as_select(), webhook_events::uid, webhook_events::kind))
        .load(conn)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let ids: Vec<DeliveryId> = rows.iter().map(|(d, ..)| d.id).collect();
    let mut attempts: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order(webhook_attempts::id)
        .select(AttemptRow::as_select())
        .load(conn)?;
    let logs = rows
        .into_iter()
        .map(|(delivery, uid, kind)| {
            let (mine, rest) = attempts.drain(..).partition(|a| a.delivery_id == delivery.id);
            attempts = rest;
            DeliveryLog { delivery, uid, kind, attempts: mine }
        })
        .collect();
    Ok((logs, has_more))
}

/// One delivery of a webhook.
pub fn delivery(conn: &mut DbConn, webhook: WebhookId, id: DeliveryId) -> QueryResult<DeliveryLog> {
    let (delivery, uid, kind): (DeliveryRow, String, String) = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .filter(webhook_deliveries::id.eq(id))
        .select((DeliveryRow::as_select(), webhook_events::uid, webhook_events::kind))
        .first(conn)?;
    let attempts = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(id))
        .order(webhook_attempts::id)
        .select(AttemptRow::as_select())
        .load(conn)?;
    Ok(DeliveryLog { delivery, uid, kind, attempts })
}

/// Makes a delivery due again at once (its event, and so its `webhook-id`, unchanged), with a
/// day of retries again.
pub fn redeliver(conn: &mut DbConn, id: DeliveryId) -> QueryResult<()> {
    let now = dates::now().naive_utc();
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::state.eq(State::Pending.as_str()),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::first_attempt_at.eq(None::<NaiveDateTime>),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Forgets deliveries finished before `cutoff` (with their attempts), and the events left
/// with no delivery; returns how many deliveries.
pub fn forget_finished_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    let forgotten = diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::state.ne(State::Pending.as_str()))
            .filter(webhook_deliveries::updated_at.lt(cutoff)),
    )
    .execute(conn)?;
    let delivered = webhook_deliveries::table.select(webhook_deliveries::event_id);
    diesel::delete(
        webhook_events::table.filter(webhook_events::targets.is_null()).filter(webhook_events::id.ne_all(delivered)),
    )
    .execute(conn)?;
    Ok(forgotten)
}
