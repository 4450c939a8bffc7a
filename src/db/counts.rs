//! How many items anonymous readers can list, counted per UTC day and kept up to date in the
//! write transaction, so that a listing's total is a sum over days: it costs the same at ten
//! thousand items and at a million.
//!
//! An item is counted while it is published and not trashed, on the day of its publication,
//! scheduled or not: sums read only the days before today, and a listing counts today's items
//! one by one. Counts are kept per view (every item, or each story once in an order of
//! languages) and facet (every item, one topic, region, author or organization). A story whose
//! best item is scheduled is counted as it will be once that item is public; `db::news`
//! corrects the few such stories when it sums.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel::upsert::excluded;

use super::schema::{news_count_views, news_counted, news_counts, news_items, terms};
use super::{Backend, DbConn, Kept};
use crate::domain::dates::TimeRange;
use crate::domain::ids::{AuthorId, NewsId, OrganizationId, TermId};
use crate::domain::language::{Choice, Languages};
use crate::domain::listing::NewsFilter;
use crate::domain::news::NewsStatus;

pub const SECONDS_PER_DAY: i64 = 86_400;

/// Each counted item holds one bit per view.
const MAX_VIEWS: usize = 63;

/// Items read at a time while the counts are made anew.
const MAKE_MEMBERS: usize = 10_000;

/// A way of listing: each listed item is counted once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// Every item, whatever its language.
    Every,
    /// Each story once: its item in the first of these languages that it has.
    Best(Vec<String>),
}

impl View {
    /// The view a listing in `languages` shows (`NewsFilter::languages`).
    pub fn of(languages: Option<&Choice>) -> Self {
        languages.map_or(Self::Every, |choice| Self::Best(choice.order().to_vec()))
    }

    fn name(&self) -> String {
        match self {
            Self::Every => "*".to_owned(),
            Self::Best(order) => order.join(","),
        }
    }

    fn parse(name: &str) -> Self {
        match name {
            "*" => Self::Every,
            _ => Self::Best(name.split(',').map(str::to_owned).collect()),
        }
    }

    /// Whether a story's item can be counted in this view today and another one later.
    pub fn has_fallback(&self) -> bool {
        matches!(self, Self::Best(order) if order.len() > 1)
    }
}

/// The views counts are kept for on `site`: every item, each language alone
/// (`lang=fr&fallback=none`), and each language before the site's others (`lang=fr`, or an
/// `Accept-Language` that names one of them).
pub fn views(site: &Languages) -> Vec<View> {
    let mut views = vec![View::Every];
    for fallback in [false, true] {
        for lang in site.all() {
            let view = View::of(site.choose(std::slice::from_ref(lang), fallback).as_ref());
            if !views.contains(&view) {
                views.push(view);
            }
        }
    }
    views.truncate(MAX_VIEWS);
    views
}

/// What a count is kept under besides its view and day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i64)]
enum Facet {
    Every = 0,
    Topic = 1,
    Region = 2,
    Author = 3,
    Organization = 4,
}

/// The facet values a listing's filter keeps to, when one facet alone covers it.
#[derive(Debug, Clone)]
pub struct Cover {
    view: View,
    facet: Facet,
    values: Values,
}

#[derive(Debug, Clone)]
enum Values {
    Every,
    Terms(&'static str, Vec<String>),
    Ids(Vec<i64>),
}

impl Cover {
    /// The counts that answer an anonymous listing's total, if kept ones do: a filter by dates
    /// and at most one of topic, region, author and organization (any of several values).
    /// Tags, statuses, `updated_since`, search and two facets together are counted instead.
    pub fn of(filter: &NewsFilter) -> Option<Self> {
        if filter.search.is_some()
            || filter.updated_since.is_some()
            || !filter.tags.is_empty()
            || !filter.statuses.is_empty()
        {
            return None;
        }
        let mut facets = Vec::new();
        if !filter.topics.is_empty() {
            facets.push((Facet::Topic, Values::Terms("topic", filter.topics.clone())));
        }
        if !filter.regions.is_empty() {
            facets.push((Facet::Region, Values::Terms("region", filter.regions.clone())));
        }
        if !filter.authors.is_empty() {
            facets.push((Facet::Author, Values::Ids(filter.authors.iter().map(|a| a.0).collect())));
        }
        if let Some(organization) = filter.organization {
            facets.push((Facet::Organization, Values::Ids(vec![organization.0])));
        }
        let (facet, values) = match facets.len() {
            0 => (Facet::Every, Values::Every),
            1 => facets.pop()?,
            _ => return None,
        };
        Some(Self { view: View::of(filter.languages.as_ref()), facet, values })
    }

    pub fn view(&self) -> &View {
        &self.view
    }
}

/// Whole UTC days, `[first, end)` as day numbers (days since 1970-01-01); `first` is open when
/// the range has no start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    first: Option<i64>,
    end: i64,
}

impl Days {
    /// The whole days of `range` before the day of `now`, if any.
    pub fn within(range: TimeRange, now: DateTime<Utc>) -> Option<Self> {
        let first = range.start.map(|start| {
            let day = day_of(start);
            if start == day_start(day) { day } else { day + 1 }
        });
        let end = range.end.map_or(day_of(now), |end| day_of(end).min(day_of(now)));
        first.is_none_or(|first| first < end).then_some(Self { first, end })
    }

    /// The days as a range of instants.
    pub fn range(self) -> TimeRange {
        TimeRange { start: self.first.map(day_start), end: Some(day_start(self.end)) }
    }

    /// The part of `range` before these days (the end of the day it starts in).
    pub fn before(self, range: TimeRange) -> Option<TimeRange> {
        let first = self.range().start?;
        range.start.filter(|&start| start < first).map(|start| TimeRange { start: Some(start), end: Some(first) })
    }

    /// The part of `range` after these days (today, or the start of the day it ends in).
    pub fn after(self, range: TimeRange) -> Option<TimeRange> {
        let after = TimeRange { start: self.range().end, end: range.end };
        (after.end.is_none() || after.start < after.end).then_some(after)
    }

    /// The parts of `range` outside these days, which are counted item by item.
    pub fn outside(self, range: TimeRange) -> impl Iterator<Item = TimeRange> {
        self.before(range).into_iter().chain(self.after(range))
    }
}

fn day_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(SECONDS_PER_DAY)
}

/// The instant day number `day` starts.
pub fn day_start(day: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(day * SECONDS_PER_DAY, 0).single().unwrap_or(DateTime::<Utc>::MAX_UTC)
}

type Condition = Box<dyn BoxableExpression<news_counts::table, Backend, SqlType = Bool>>;

/// The id of `view` among the kept ones (its bit in `news_counted.views` and
/// `news_items.listed_in`); `None` when it is not kept.
fn view_id(conn: &mut DbConn, view: &View) -> QueryResult<Option<i64>> {
    news_count_views::table
        .filter(news_count_views::name.eq(view.name()))
        .select(news_count_views::id)
        .first(conn)
        .optional()
}

/// Which kept counts are `cover`'s over `days`; `None` when its view is not kept.
fn counted(conn: &mut DbConn, cover: &Cover, days: Days) -> QueryResult<Option<Condition>> {
    Ok(view_id(conn, &cover.view)?.map(|view| counted_in(view, cover, days)))
}

/// Which kept counts are `cover`'s over `days`, its view kept as `view`.
fn counted_in(view: i64, cover: &Cover, days: Days) -> Condition {
    of_view(Box::new(news_counts::view.eq(view)), cover, days)
}

/// Which kept counts are `cover`'s over `days`, among those `view` admits.
fn of_view(view: Condition, cover: &Cover, days: Days) -> Condition {
    let first = days.first.unwrap_or(i64::MIN);
    let kept = view
        .and(news_counts::facet.eq(cover.facet as i64))
        .and(news_counts::day.ge(first))
        .and(news_counts::day.lt(days.end));
    match &cover.values {
        Values::Every => Box::new(kept.and(news_counts::value.eq(0))),
        Values::Ids(ids) => Box::new(kept.and(news_counts::value.eq_any(ids.clone()))),
        Values::Terms(kind, slugs) => Box::new(kept.and(news_counts::value.eq_any(
            terms::table.filter(terms::kind.eq(*kind)).filter(terms::slug.eq_any(slugs.clone())).select(terms::id),
        ))),
    }
}

/// The kept count of `cover` over `days`; `None` when its view is not kept. One statement,
/// which finds the view too: on PostgreSQL a listing's total was two round trips of its eight.
pub fn sum(conn: &mut DbConn, cover: &Cover, days: Days) -> QueryResult<Option<i64>> {
    let view =
        || news_count_views::table.filter(news_count_views::name.eq(cover.view.name())).select(news_count_views::id);
    let kept = of_view(Box::new(news_counts::view.eq_any(view())), cover, days);
    // SUM of a BIGINT is a NUMERIC on PostgreSQL.
    let total = news_counts::table.filter(kept).select(sql::<BigInt>("CAST(COALESCE(SUM(n), 0) AS BIGINT)"));
    let (view, total): (Option<i64>, Option<i64>) =
        Kept(diesel::select((view().single_value(), total.single_value()))).get_result(conn)?;
    Ok(view.and(total))
}

/// The kept counts of `cover` per day of `days` (day numbers, oldest first; days with none may
/// be missing); `None` when its view is not kept.
pub fn per_day(conn: &mut DbConn, cover: &Cover, days: Days) -> QueryResult<Option<Vec<(i64, i64)>>> {
    let Some(kept) = counted(conn, cover, days)? else { return Ok(None) };
    let per_day: Vec<(i64, i64)> = Kept(
        news_counts::table
            .filter(kept)
            .group_by(news_counts::day)
            .select((news_counts::day, sql::<BigInt>("CAST(SUM(n) AS BIGINT)")))
            .order(news_counts::day),
    )
    .load(conn)?;
    Ok(Some(per_day))
}

/// Days read at first by `day_of_item`, and the factor by which each further read grows.
const FIRST_DAYS: i64 = 32;
const MORE_DAYS: i64 = 8;

/// The end of a listing, newest first, that `day_of_item` counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Newest,
    Oldest,
}

/// The day that holds item number `skip` (from 0) of `cover`'s kept counts over `days`,
/// counted from `end`, and how many of that day's items are newer than it; `None` when the
/// view is not kept or the days hold no more than `skip` items. The days are read from `end`
/// in reads that grow, so that a page near it reads few of them and no page reads a day twice.
pub fn day_of_item(
    conn: &mut DbConn,
    cover: &Cover,
    mut days: Days,
    end: End,
    mut skip: i64,
) -> QueryResult<Option<(i64, i64)>> {
    let Some(view) = view_id(conn, &cover.view)? else { return Ok(None) };
    let mut read = FIRST_DAYS;
    loop {
        let per_day = news_counts::table
            .filter(counted_in(view, cover, days))
            .group_by(news_counts::day)
            .select((news_counts::day, sql::<BigInt>("CAST(SUM(n) AS BIGINT)")))
            .limit(read);
        let walked: Vec<(i64, i64)> = match end {
            End::Newest => Kept(per_day.order(news_counts::day.desc())).load(conn)?,
            End::Oldest => Kept(per_day.order(news_counts::day)).load(conn)?,
        };
        for &(day, n) in &walked {
            if skip < n {
                return Ok(Some(match end {
                    End::Newest => (day, skip),
                    End::Oldest => (day, n - 1 - skip),
                }));
            }
            skip -= n;
        }
        match walked.last() {
            Some(&(last, _)) if walked.len() as i64 == read => match end {
                End::Newest => days.end = last,
                End::Oldest => days.first = Some(last + 1),
            },
            _ => return Ok(None),
        }
        read = read.saturating_mul(MORE_DAYS);
    }
}

/// The stories with a published item scheduled after `now` (their best item may change when it
/// comes due), if there are at most `limit`.
fn unsettled(conn: &mut DbConn, now: DateTime<Utc>, limit: i64) -> QueryResult<Option<Vec<NewsId>>> {
    let published: &str = NewsStatus::Published.into();
    let groups: Vec<NewsId> = news_items::table
        .filter(news_items::deleted_at.is_null())
        .filter(news_items::status.eq(published))
        .filter(news_items::published_at.gt(now.naive_utc()))
        .select(news_items::group_id)
        .distinct()
        .limit(limit + 1)
        .load(conn)?;
    Ok((groups.len() as i64 <= limit).then_some(groups))
}

/// What tells a listing in a view with fallback which items are their story's best without
/// looking at the story's other items: the view's bit in `news_items.listed_in`, set on the
/// items the view lists once every scheduled item is out, so true of the items it lists now in
/// every story but the `unsettled` ones.
#[derive(Debug, Clone)]
pub struct Listed {
    pub bit: i64,
    pub unsettled: Vec<NewsId>,
}

/// `Listed` of `view` at `now`; `None` when the view is not kept or more than `limit` stories
/// have a scheduled item.
pub fn listed(conn: &mut DbConn, view: &View, now: DateTime<Utc>, limit: i64) -> QueryResult<Option<Listed>> {
    let Some(bit) = view_id(conn, view)? else { return Ok(None) };
    Ok(unsettled(conn, now, limit)?.map(|unsettled| Listed { bit, unsettled }))
}

/// An item as the counts see it.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = news_items, check_for_backend(Backend))]
struct Member {
    id: NewsId,
    group_id: NewsId,
    lang: String,
    status: NewsStatus,
    published_at: Option<NaiveDateTime>,
    deleted_at: Option<NaiveDateTime>,
    topic_id: Option<TermId>,
    region_id: Option<TermId>,
    author_id: Option<AuthorId>,
    organization_id: Option<OrganizationId>,
    /// The views it is listed in as stored (`Counted::views`, or 0).
    listed_in: i64,
}

/// What one item adds: one to each of its `views` (a bit each, by view id) on `day`, under
/// every facet value it has.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = news_counted, check_for_backend(Backend), treat_none_as_null = true, treat_none_as_default_value = false)]
struct Counted {
    news_id: NewsId,
    views: i64,
    day: i64,
    topic_id: Option<TermId>,
    region_id: Option<TermId>,
    author_id: Option<AuthorId>,
    organization_id: Option<OrganizationId>,
}

/// One kept count, by view, facet, facet value and day.
type Key = (i64, Facet, i64, i64);

impl Counted {
    fn facets(&self) -> impl Iterator<Item = (Facet, i64)> {
        [
            Some((Facet::Every, 0)),
            self.topic_id.map(|id| (Facet::Topic, id.0)),
            self.region_id.map(|id| (Facet::Region, id.0)),
            self.author_id.map(|id| (Facet::Author, id.0)),
            self.organization_id.map(|id| (Facet::Organization, id.0)),
        ]
        .into_iter()
        .flatten()
    }

    /// Adds `sign` to each count this item is in.
    fn add_to(&self, counts: &mut HashMap<Key, i64>, sign: i64) {
        for view in (0..MAX_VIEWS as i64).filter(|bit| self.views & (1 << bit) != 0) {
            for (facet, value) in self.facets() {
                *counts.entry((view, facet, value, self.day)).or_default() += sign;
            }
        }
    }
}

/// What the items of one story add to the counts: in each view, the items it lists.
fn count_story(members: &[&Member], views: &[View]) -> Vec<Counted> {
    let counted: Vec<&Member> = members
        .iter()
        .copied()
        .filter(|m| m.deleted_at.is_none() && m.status == NewsStatus::Published && m.published_at.is_some())
        .collect();
    let mut bits: HashMap<NewsId, i64> = HashMap::new();
    for (bit, view) in views.iter().enumerate() {
        let listed: Vec<&Member> = match view {
            View::Every => counted.clone(),
            View::Best(order) => counted
                .iter()
                .filter_map(|m| order.iter().position(|lang| *lang == m.lang).map(|rank| (rank, *m)))
                .min_by_key(|(rank, _)| *rank)
                .map(|(_, m)| m)
                .into_iter()
                .collect(),
        };
        for member in listed {
            *bits.entry(member.id).or_default() |= 1 << bit;
        }
    }
    counted
        .into_iter()
        .filter_map(|m| {
            Some(Counted {
                news_id: m.id,
                views: *bits.get(&m.id)?,
                day: day_of(m.published_at?.and_utc()),
                topic_id: m.topic_id,
                region_id: m.region_id,
                author_id: m.author_id,
                organization_id: m.organization_id,
            })
        })
        .collect()
}

/// The views the kept counts are for, by id (none before `prepare` made them).
fn kept_views(conn: &mut DbConn) -> QueryResult<Vec<View>> {
    let names: Vec<String> =
        native!(conn, |c| news_count_views::table.order(news_count_views::id).select(news_count_views::name).load(c))?;
    let views: Vec<View> = names.iter().map(|name| View::parse(name)).collect();
    SETTLED_VIEWS.set(views.clone());
    Ok(views)
}

thread_local! {
    /// The kept views as this thread last read them (the writer thread: at its last batch).
    static SETTLED_VIEWS: RefCell<Vec<View>> = const { RefCell::new(Vec::new()) };
}

/// What a new item alone in its story is listed in (`news_items.listed_in`), stored with it so
/// that `settle` need not write its row again (on PostgreSQL a new version of the row, its
/// text search vector made again: a third of a create's time in the database). Found with the
/// views this thread last read: should they have changed since, `settle` corrects it.
pub fn listed_alone(lang: &str, status: NewsStatus, published_at: Option<NaiveDateTime>) -> i64 {
    let alone = Member {
        id: NewsId(0),
        group_id: NewsId(0),
        lang: lang.to_owned(),
        status,
        published_at,
        deleted_at: None,
        topic_id: None,
        region_id: None,
        author_id: None,
        organization_id: None,
        listed_in: 0,
    };
    SETTLED_VIEWS.with_borrow(|views| count_story(&[&alone], views).first().map_or(0, |counted| counted.views))
}

/// Brings the counts up to date with what the stories `groups` hold now. Every write to an
/// item runs it in its transaction (once for a batch of writes, `db::commit`), for the item's
/// story (and the one it left); an item trashed is `uncount`ed first.
pub fn settle(conn: &mut DbConn, groups: &[NewsId]) -> QueryResult<()> {
    let views = kept_views(conn)?;
    if views.is_empty() {
        // Made at the next start (`prepare`).
        return Ok(());
    }
    // Live items only: the stories' index holds no others. The lists are bound as one value
    // each (`one_of`), so that the statements stay prepared whatever a batch's size.
    let in_groups = super::one_of(conn, "news_items.group_id", groups.iter().map(|g| g.0));
    let members: Vec<Member> = native!(conn, |c| Kept(
        news_items::table.filter(in_groups).filter(news_items::deleted_at.is_null()).select(Member::as_select())
    )
    .load(c))?;
    let ids: Vec<NewsId> = members.iter().map(|m| m.id).collect();
    let counted_ids = super::one_of(conn, "news_counted.news_id", ids.iter().map(|id| id.0));
    let before: Vec<Counted> =
        native!(conn, |c| Kept(news_counted::table.filter(counted_ids).select(Counted::as_select())).load(c))?;
    let before: HashMap<NewsId, Counted> = before.into_iter().map(|c| (c.news_id, c)).collect();
    let mut stories: HashMap<NewsId, Vec<&Member>> = HashMap::new();
    for member in &members {
        stories.entry(member.group_id).or_default().push(member);
    }
    let after: HashMap<NewsId, Counted> =
        stories.values().flat_map(|story| count_story(story, &views)).map(|c| (c.news_id, c)).collect();
    let mut counts = HashMap::new();
    let mut gone = Vec::new();
    let mut new = Vec::new();
    // The items not listed in the views they are now, by those views: new items mostly share
    // them, and most were stored listed in them (`listed_alone`).
    let mut listed_in: HashMap<i64, Vec<i64>> = HashMap::new();
    for member in &members {
        let views = after.get(&member.id).map_or(0, |is| is.views);
        if member.listed_in != views {
            listed_in.entry(views).or_default().push(member.id.0);
        }
    }
    for id in ids {
        let (was, is) = (before.get(&id), after.get(&id));
        if was == is {
            continue;
        }
        if let Some(was) = was {
            was.add_to(&mut counts, -1);
            gone.push(id.0);
        }
        if let Some(is) = is {
            is.add_to(&mut counts, 1);
            new.push(is.clone());
        }
    }
    for (bits, ids) in listed_in {
        let listed = super::one_of(conn, "news_items.id", ids);
        let _: Vec<NewsId> = native!(conn, |c| Kept(
            diesel::update(news_items::table.filter(listed))
                .set(news_items::listed_in.eq(bits))
                .returning(news_items::id)
        )
        .load(c))?;
    }
    if !gone.is_empty() {
        let gone = super::one_of(conn, "news_counted.news_id", gone);
        let _: Vec<NewsId> =
            native!(conn, |c| Kept(diesel::delete(news_counted::table.filter(gone)).returning(news_counted::news_id))
                .load(c))?;
    }
    for rows in new.chunks(super::ROWS_PER_INSERT) {
        native!(conn, |c| diesel::insert_into(news_counted::table).values(rows).execute(c))?;
    }
    add(conn, counts)
}

/// Takes out what item `id` adds to the counts (it is going to the trash, whose own update
/// clears its `listed_in`).
pub fn uncount(conn: &mut DbConn, id: NewsId) -> QueryResult<()> {
    let counted: Option<Counted> =
        native!(conn, |c| news_counted::table.find(id).select(Counted::as_select()).first(c).optional())?;
    let Some(counted) = counted else { return Ok(()) };
    let mut counts = HashMap::new();
    counted.add_to(&mut counts, -1);
    diesel::delete(news_counted::table.find(id)).execute(conn)?;
    add(conn, counts)
}

/// Adds each of `counts` to the kept one, many in one statement.
fn add(conn: &mut DbConn, counts: HashMap<Key, i64>) -> QueryResult<()> {
    let rows: Vec<_> = counts
        .into_iter()
        .filter(|&(_, n)| n != 0)
        .map(|((view, facet, value, day), n)| {
            (
                news_counts::view.eq(view),
                news_counts::facet.eq(facet as i64),
                news_counts::value.eq(value),
                news_counts::day.eq(day),
                news_counts::n.eq(n),
            )
        })
        .collect();
    for rows in rows.chunks(super::ROWS_PER_INSERT) {
        native!(conn, |c| diesel::insert_into(news_counts::table)
            .values(rows)
            .on_conflict((news_counts::view, news_counts::facet, news_counts::value, news_counts::day))
            .do_update()
            .set(news_counts::n.eq(news_counts::n + excluded(news_counts::n)))
            .execute(c))?;
    }
    Ok(())
}

/// Forgets the counts (an import brings items without them): the next start makes them.
pub fn forget(conn: &mut DbConn) -> QueryResult<()> {
    diesel::update(news_items::table.filter(news_items::listed_in.ne(0)))
        .set(news_items::listed_in.eq(0))
        .execute(conn)?;
    diesel::delete(news_counted::table).execute(conn)?;
    diesel::delete(news_counts::table).execute(conn)?;
    diesel::delete(news_count_views::table).execute(conn).map(drop)
}

/// Makes the counts anew for `site`'s views unless they are the ones kept (a first start, an
/// import, another set of languages). Returns whether it did. Takes turns with content writes.
pub fn prepare(conn: &mut DbConn, site: &Languages) -> QueryResult<bool> {
    let views = views(site);
    if kept_views(conn)? == views {
        return Ok(false);
    }
    super::stamp_clock(conn, 0)?;
    forget(conn)?;
    let names: Vec<_> = views
        .iter()
        .enumerate()
        .map(|(id, view)| (news_count_views::id.eq(id as i64), news_count_views::name.eq(view.name())))
        .collect();
    native!(conn, |c| diesel::insert_into(news_count_views::table).values(&names).execute(c))?;
    // What each item adds, story by story, a batch of stories at a time; then the counts,
    // summed by the database from those rows, which it sorts on disk if it must and writes in
    // the order of the counts' key. (Summed in memory and added a batch at a time, a million
    // items' counts were written page by page through the connection's small page cache: 104 s.)
    let published: &str = NewsStatus::Published.into();
    let mut after = NewsId(i64::MIN);
    loop {
        let mut members: Vec<Member> = news_items::table
            .filter(news_items::deleted_at.is_null())
            .filter(news_items::status.eq(published))
            .filter(news_items::published_at.is_not_null())
            .filter(news_items::group_id.gt(after))
            .order(news_items::group_id)
            .limit(MAKE_MEMBERS as i64)
            .select(Member::as_select())
            .load(conn)?;
        let Some(last) = members.last().map(|m| m.group_id) else { break };
        // The last story may go on in the next batch: it is read whole there (a story has one
        // item per language, far fewer than a batch).
        if members.len() == MAKE_MEMBERS {
            let whole = members.partition_point(|m| m.group_id < last);
            if whole > 0 {
                members.truncate(whole);
            }
        }
        after = members.last().map_or(last, |m| m.group_id);
        let mut counted = Vec::with_capacity(members.len());
        for story in members.chunk_by(|a, b| a.group_id == b.group_id) {
            counted.extend(count_story(&story.iter().collect::<Vec<_>>(), &views));
        }
        for rows in counted.chunks(super::ROWS_PER_INSERT) {
            native!(conn, |c| diesel::insert_into(news_counted::table).values(rows).execute(c))?;
        }
    }
    diesel::sql_query(
        "UPDATE news_items SET listed_in = (SELECT c.views FROM news_counted c WHERE c.news_id = news_items.id) \
         WHERE id IN (SELECT news_id FROM news_counted)",
    )
    .execute(conn)?;
    let per_facet: Vec<String> = [
        (Facet::Every, "0"),
        (Facet::Topic, "c.topic_id"),
        (Facet::Region, "c.region_id"),
        (Facet::Author, "c.author_id"),
        (Facet::Organization, "c.organization_id"),
    ]
    .into_iter()
    .map(|(facet, value)| {
        // (A number in GROUP BY names a column.)
        let by = if facet == Facet::Every { String::new() } else { format!("{value}, ") };
        format!(
            "SELECT v.id, {}, {value}, c.day, count(*) FROM news_counted c \
             JOIN news_count_views v ON (c.views >> CAST(v.id AS INTEGER)) & 1 = 1 WHERE {value} IS NOT NULL \
             GROUP BY v.id, {by}c.day",
            facet as i64
        )
    })
    .collect();
    diesel::sql_query(format!(
        "INSERT INTO news_counts (view, facet, value, day, n) SELECT * FROM ({}) AS counts ORDER BY 1, 2, 3, 4",
        per_facet.join(" UNION ALL ")
    ))
    .execute(conn)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn member(id: i64, group: i64, lang: &str, published: Option<&str>) -> Member {
        Member {
            id: NewsId(id),
            group_id: NewsId(group),
            lang: lang.to_owned(),
            status: NewsStatus::Published,
            published_at: published.map(|t| instant(t).naive_utc()),
            deleted_at: None,
            topic_id: Some(TermId(7)),
            region_id: None,
            author_id: None,
            organization_id: None,
            listed_in: 0,
        }
    }

    #[test]
    fn a_site_keeps_every_item_each_language_alone_and_each_language_first() {
        let names: Vec<String> = views(&Languages::parse("en,fr,ar").unwrap()).iter().map(View::name).collect();
        assert_eq!(names, ["*", "en", "fr", "ar", "en,fr,ar", "fr,en,ar", "ar,en,fr"]);
        let names: Vec<String> = views(&Languages::parse("en").unwrap()).iter().map(View::name).collect();
        assert_eq!(names, ["*", "en"]);
    }

    #[test]
    fn a_story_is_counted_once_per_view_by_its_best_item() {
        let site = Languages::parse("en,fr").unwrap();
        let views = views(&site);
        let en = member(1, 1, "en", Some("2026-01-02T10:00:00Z"));
        let fr = member(2, 1, "fr", Some("2026-01-03T10:00:00Z"));
        let mut draft = member(3, 1, "de", None);
        draft.status = NewsStatus::Draft;
        let counted = count_story(&[&en, &fr, &draft], &views);
        // Views: *, en, fr, "en,fr", "fr,en".
        assert_eq!(counted.len(), 2);
        assert_eq!(counted[0].views, 0b01011);
        assert_eq!(counted[1].views, 0b10101);
        assert_eq!(counted[0].day, day_of(instant("2026-01-02T00:00:00Z")));
        let mut counts = HashMap::new();
        counted[1].add_to(&mut counts, 1);
        // Three views, each under every item and its topic.
        assert_eq!(counts.len(), 6);
    }

    #[test]
    fn whole_days_are_those_before_today_and_the_edges_are_counted_item_by_item() {
        let now = instant("2026-03-10T12:00:00Z");
        let range = TimeRange { start: Some(instant("2026-02-01T06:00:00Z")), end: None };
        let days = Days::within(range, now).unwrap();
        assert_eq!(days.range().start, Some(instant("2026-02-02T00:00:00Z")));
        assert_eq!(days.range().end, Some(instant("2026-03-10T00:00:00Z")));
        let outside: Vec<TimeRange> = days.outside(range).collect();
        assert_eq!(
            outside,
            [
                TimeRange { start: range.start, end: Some(instant("2026-02-02T00:00:00Z")) },
                TimeRange { start: Some(instant("2026-03-10T00:00:00Z")), end: None },
            ]
        );
        // A month that ended: nothing outside it.
        let month =
            TimeRange { start: Some(instant("2026-01-01T00:00:00Z")), end: Some(instant("2026-02-01T00:00:00Z")) };
        assert_eq!(Days::within(month, now).unwrap().outside(month).count(), 0);
        // Today alone has no whole day before it.
        let today = TimeRange { start: Some(instant("2026-03-10T00:00:00Z")), end: None };
        assert_eq!(Days::within(today, now), None);
        // Before 1970 too.
        let old =
            TimeRange { start: Some(instant("1969-12-31T00:00:00Z")), end: Some(instant("1970-01-01T00:00:00Z")) };
        assert_eq!(Days::within(old, now).unwrap().range(), old);
    }

    #[test]
    fn the_day_of_an_item_is_found_from_either_end_past_the_first_days_read() {
        use diesel::connection::SimpleConnection;
        let mut conn = super::super::Location::Sqlite(":memory:".to_owned()).connect().unwrap();
        super::super::migrate(&mut conn).unwrap();
        // 100 days with 1 to 5 items each, and some with none; 3 more under a topic.
        let per_day: Vec<(i64, i64)> = (0..100).filter(|day| day % 7 != 3).map(|day| (day, 1 + day % 5)).collect();
        let rows: Vec<String> = per_day.iter().map(|(day, n)| format!("(0, 0, 0, {day}, {n})")).collect();
        conn.batch_execute(&format!(
            "INSERT INTO news_count_views (id, name) VALUES (0, '*');
             INSERT INTO news_counts (view, facet, value, day, n) VALUES {}, (0, 1, 9, 50, 3);",
            rows.join(", ")
        ))
        .unwrap();
        let cover = Cover { view: View::Every, facet: Facet::Every, values: Values::Every };
        let days = Days { first: None, end: 100 };
        // Newest first, the day of each item and how many of that day's items are newer.
        let items: Vec<(i64, i64)> = per_day.iter().rev().flat_map(|&(day, n)| (0..n).map(move |k| (day, k))).collect();
        for (skip, &expected) in items.iter().enumerate() {
            let skip = skip as i64;
            let from_oldest = items.len() as i64 - 1 - skip;
            assert_eq!(day_of_item(&mut conn, &cover, days, End::Newest, skip).unwrap(), Some(expected), "{skip}");
            assert_eq!(
                day_of_item(&mut conn, &cover, days, End::Oldest, from_oldest).unwrap(),
                Some(expected),
                "{skip}"
            );
        }
        let past = items.len() as i64;
        assert_eq!(day_of_item(&mut conn, &cover, days, End::Newest, past).unwrap(), None);
        assert_eq!(day_of_item(&mut conn, &cover, days, End::Oldest, past).unwrap(), None);
        // Within days 40 to 59 only.
        let days = Days { first: Some(40), end: 60 };
        let (first, n) = per_day.iter().copied().find(|&(day, _)| day >= 40).unwrap();
        assert_eq!(day_of_item(&mut conn, &cover, days, End::Oldest, 0).unwrap(), Some((first, n - 1)));
        let (last, _) = per_day.iter().copied().rfind(|&(day, _)| day < 60).unwrap();
        assert_eq!(day_of_item(&mut conn, &cover, days, End::Newest, 0).unwrap(), Some((last, 0)));
    }
}
