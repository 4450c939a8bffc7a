//! Queries on WebSub subscriptions to this service's feeds.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::websub_subscriptions as subs;
use super::{Backend, DbConn};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = subs, check_for_backend(Backend))]
pub struct SubscriptionRow {
    pub id: i64,
    pub callback: String,
    pub topic: String,
    pub secret: Option<String>,
    pub lease_seconds: i64,
    pub expires_at: NaiveDateTime,
    pub sent_hash: Option<String>,
    pub failures: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A verified subscription, to store.
pub struct NewSubscription<'a> {
    pub callback: &'a str,
    pub topic: &'a str,
    pub secret: Option<&'a str>,
    pub lease_seconds: i64,
    /// The hash of the feed as it is now: only a change is pushed.
    pub sent_hash: &'a str,
}

/// Stores a subscription, replacing the one of the same callback and topic (a renewal).
pub fn subscribe(conn: &mut DbConn, new: &NewSubscription, now: NaiveDateTime) -> QueryResult<i64> {
    unsubscribe(conn, new.callback, new.topic)?;
    diesel::insert_into(subs::table)
        .values((
            subs::callback.eq(new.callback),
            subs::topic.eq(new.topic),
            subs::secret.eq(new.secret),
            subs::lease_seconds.eq(new.lease_seconds),
            subs::expires_at.eq(now + chrono::Duration::seconds(new.lease_seconds)),
            subs::sent_hash.eq(new.sent_hash),
            subs::failures.eq(0),
            subs::next_attempt_at.eq(now),
            subs::created_at.eq(now),
            subs::updated_at.eq(now),
        ))
        .returning(subs::id)
        .get_result(conn)
}

pub fn unsubscribe(conn: &mut DbConn, callback: &str, topic: &str) -> QueryResult<usize> {
    diesel::delete(subs::table.filter(subs::callback.eq(callback)).filter(subs::topic.eq(topic))).execute(conn)
}

/// The topics with a subscription whose lease runs at `now`.
pub fn topics(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<String>> {
    subs::table.filter(subs::expires_at.gt(now)).select(subs::topic).distinct().load(conn)
}

/// A topic's subscriptions whose lease runs at `now`.
pub fn of_topic(conn: &mut DbConn, topic: &str, now: NaiveDateTime) -> QueryResult<Vec<SubscriptionRow>> {
    subs::table
        .filter(subs::topic.eq(topic))
        .filter(subs::expires_at.gt(now))
        .order(subs::id)
        .select(SubscriptionRow::as_select())
        .load(conn)
}

/// Claims a subscription for a push until `until`, unless another process holds it; returns
/// whether this one got it.
pub fn claim(conn: &mut DbConn, id: i64, now: NaiveDateTime, until: NaiveDateTime) -> QueryResult<bool> {
    let claimed =
        diesel::update(subs::table.find(id).filter(subs::claimed_until.is_null().or(subs::claimed_until.lt(now))))
            .set(subs::claimed_until.eq(until))
            .execute(conn)?;
    Ok(claimed == 1)
}

/// Records a push: `hash` delivered, or failed with the next try at `retry_at` (`None`: this
/// version is given up, the next change is pushed).
pub fn pushed(
    conn: &mut DbConn,
    id: i64,
    hash: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let one = subs::table.find(id);
    match retry_at {
        Some(at) => diesel::update(one)
            .set((
                subs::failures.eq(subs::failures + 1),
                subs::next_attempt_at.eq(at),
                subs::claimed_until.eq(None::<NaiveDateTime>),
                subs::updated_at.eq(now),
            ))
            .execute(conn),
        None => diesel::update(one)
            .set((
                subs::sent_hash.eq(hash),
                subs::failures.eq(0),
                subs::next_attempt_at.eq(now),
                subs::claimed_until.eq(None::<NaiveDateTime>),
                subs::updated_at.eq(now),
            ))
            .execute(conn),
    }
    .map(drop)
}

/// Forgets a subscription (its subscriber answered 410 Gone).
pub fn forget(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(subs::table.find(id)).execute(conn)
}

/// Forgets the subscriptions whose lease ended before `now`.
pub fn forget_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(subs::table.filter(subs::expires_at.le(now))).execute(conn)
}
