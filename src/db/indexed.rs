//! What the search index (`crate::search`) reads of the store: the number it follows the store
//! by, and the items stamped after a number, each with what the index holds of it.
//!
//! Every write transaction takes the next number as its first write (`stamp_clock`), so
//! numbers follow commit order on both backends, and stamps it on the change row of each item
//! of the stories it wrote (`stamp`): an item's place in its story (which translation readers
//! see) changes with its story's other items. Change rows outlive purged items, so an index
//! that has read up to a number learns of every item to add, change or take out after it.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use super::schema::{content_clock, news_changes, news_items, news_tags};
use super::{Backend, DbConn, Kept};
use crate::domain::ids::{AuthorId, NewsId, OrganizationId, TermId};
use crate::domain::news::NewsStatus;

/// Where the store's content stands, as the index compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// The number of the last write transaction.
    pub seq: i64,
    /// Names the content: an import makes a new one.
    pub epoch: i64,
}

pub fn clock(conn: &mut DbConn) -> QueryResult<Clock> {
    let (seq, epoch) = native!(conn, |c| Kept(
        content_clock::table.select((content_clock::search_seq, content_clock::search_epoch)).limit(1)
    )
    .get_result(c))?;
    Ok(Clock { seq, epoch })
}

/// Stamps the live items of `stories` with the transaction's number (found by the stories'
/// partial index, which holds live items only: an item trashed by the write is stamped by id,
/// `stamp_items`).
pub fn stamp(conn: &mut DbConn, stories: &[NewsId]) -> QueryResult<()> {
    let members = news_items::table
        .filter(super::one_of(conn, "news_items.group_id", stories.iter().map(|s| s.0)))
        .filter(news_items::deleted_at.is_null())
        .select(news_items::id);
    // Loaded, not executed, so that it stays prepared (`Kept`) whatever the number of stories.
    let _: Vec<NewsId> = native!(conn, |c| Kept(
        diesel::update(news_changes::table.filter(news_changes::news_id.eq_any(members)))
            .set(news_changes::search_seq.eq(this_transaction()))
            .returning(news_changes::news_id)
    )
    .load(c))?;
    Ok(())
}

/// Stamps `ids` with the transaction's number.
pub fn stamp_items(conn: &mut DbConn, ids: &[NewsId]) -> QueryResult<()> {
    native!(conn, |c| diesel::update(news_changes::table.filter(news_changes::news_id.eq_any(ids)))
        .set(news_changes::search_seq.eq(this_transaction()))
        .execute(c))
    .map(drop)
}

/// The number the open transaction took.
#[diesel::dsl::auto_type]
fn this_transaction() -> _ {
    content_clock::table.select(content_clock::search_seq).single_value().assume_not_null()
}

/// Stamps `ids` with a number of their own, in a transaction that took none: their words
/// were made (`search::make_missing_words`).
pub fn stamp_anew(conn: &mut DbConn, ids: &[NewsId]) -> QueryResult<()> {
    next_seq(conn)?;
    stamp_items(conn, ids)
}

/// Stamps every item under a new epoch, in the open transaction: the store's content was
/// replaced (an import), and any index made of it before is made anew.
pub fn restamp_all(conn: &mut DbConn) -> QueryResult<()> {
    let mut epoch = [0u8; 8];
    getrandom::fill(&mut epoch).map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))?;
    // Positive on both backends, as the migration makes it.
    let epoch = i64::from_le_bytes(epoch) & i64::MAX;
    let seq = next_seq(conn)?;
    diesel::update(content_clock::table).set(content_clock::search_epoch.eq(epoch)).execute(conn)?;
    diesel::update(news_changes::table).set(news_changes::search_seq.eq(seq)).execute(conn).map(drop)
}

/// Takes the next number (on PostgreSQL, the clock's row lock with it, until the commit).
fn next_seq(conn: &mut DbConn) -> QueryResult<i64> {
    use content_clock::search_seq;
    native!(conn, |c| diesel::update(content_clock::table)
        .set(search_seq.eq(search_seq + 1))
        .returning(search_seq)
        .get_result(c))
}

/// Up to `limit` items stamped after the position `after` (a number, then an id) and at most
/// `upto`, in that order: each item's number and id. The position is compared as a row value,
/// so both backends walk the index of numbers from it.
pub fn stamped(conn: &mut DbConn, after: (i64, NewsId), upto: i64, limit: i64) -> QueryResult<Vec<(i64, NewsId)>> {
    use news_changes::{news_id, search_seq};
    let (seq, id) = after;
    let past = sql::<Bool>("(news_changes.search_seq, news_changes.news_id) > (")
        .bind::<BigInt, _>(seq)
        .sql(", ")
        .bind::<BigInt, _>(id.0)
        .sql(")");
    native!(conn, |c| news_changes::table
        .filter(past)
        .filter(search_seq.le(upto))
        .order((search_seq, news_id))
        .limit(limit)
        .select((search_seq, news_id))
        .load(c))
}

/// An item as the index holds it.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = news_items, check_for_backend(Backend))]
pub struct Row {
    pub id: NewsId,
    pub group_id: NewsId,
    pub lang: String,
    pub status: NewsStatus,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub topic_id: Option<TermId>,
    pub region_id: Option<TermId>,
    pub author_id: Option<AuthorId>,
    pub organization_id: Option<OrganizationId>,
    pub search_title: String,
    pub search_text: String,
}

/// A live item with its tags, and the other live items of its story.
#[derive(Debug)]
pub struct Item {
    pub row: Row,
    pub tags: Vec<String>,
    /// Each other item of the story: its language, status and publication time.
    pub story: Vec<(String, NewsStatus, Option<NaiveDateTime>)>,
}

/// An item of a story: its id, language, status and publication time.
type Member = (NewsId, String, NewsStatus, Option<NaiveDateTime>);

/// The live items among `ids` (not in the trash, not purged), with their tags and stories.
pub fn items(conn: &mut DbConn, ids: &[NewsId]) -> QueryResult<Vec<Item>> {
    let rows: Vec<Row> = news_items::table
        .filter(news_items::id.eq_any(ids))
        .filter(news_items::deleted_at.is_null())
        .select(Row::as_select())
        .load(conn)?;
    let groups: Vec<NewsId> = rows.iter().map(|row| row.group_id).collect();
    let members: Vec<(NewsId, NewsId, String, NewsStatus, Option<NaiveDateTime>)> = news_items::table
        .filter(news_items::group_id.eq_any(&groups))
        .filter(news_items::deleted_at.is_null())
        .select((news_items::group_id, news_items::id, news_items::lang, news_items::status, news_items::published_at))
        .load(conn)?;
    let tags: Vec<(NewsId, String)> = news_tags::table
        .filter(news_tags::news_id.eq_any(ids))
        .select((news_tags::news_id, news_tags::tag))
        .load(conn)?;
    let mut stories: HashMap<NewsId, Vec<Member>> = HashMap::new();
    for (group, id, lang, status, published_at) in members {
        stories.entry(group).or_default().push((id, lang, status, published_at));
    }
    let mut tagged: HashMap<NewsId, Vec<String>> = HashMap::new();
    for (id, tag) in tags {
        tagged.entry(id).or_default().push(tag);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let story = stories
                .get(&row.group_id)
                .into_iter()
                .flatten()
                .filter(|m| m.0 != row.id)
                .map(|(_, lang, status, published_at)| (lang.clone(), *status, *published_at))
                .collect();
            let tags = tagged.remove(&row.id).unwrap_or_default();
            Item { row, tags, story }
        })
        .collect())
}

/// The stories with an item published for a later time than `now`, and the earliest such time:
/// what their readers see changes then, without a write.
pub fn scheduled(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<(NaiveDateTime, NewsId)>> {
    news_items::table
        .filter(news_items::status.eq(NewsStatus::Published))
        .filter(news_items::deleted_at.is_null())
        .filter(news_items::published_at.gt(now))
        .select((news_items::published_at.assume_not_null(), news_items::group_id))
        .load(conn)
}

/// The ids of the live items of `stories`.
pub fn members(conn: &mut DbConn, stories: &[NewsId]) -> QueryResult<Vec<NewsId>> {
    news_items::table
        .filter(news_items::group_id.eq_any(stories))
        .filter(news_items::deleted_at.is_null())
        .select(news_items::id)
        .load(conn)
}
