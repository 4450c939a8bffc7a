//! Queries on news items: filtered, ordered and keyset-paged listings, archive counts, and
//! writes that keep tags and the full-text index in step.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::IntoSql;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};

use super::authors::AuthorRow;
use super::counts::{self, Cover, Days, End, Listed};
use super::revisions::{self, Entity};
use super::schema::{authors, news_changes, news_items, news_tags, organizations, terms};
use super::search::{self, Search};
use super::{Backend, DbConn, next_change, webhooks};
use crate::domain::dates::{self, TimeRange, utc};
use crate::domain::ids::{AuthorId, MediaId, NewsId, OrganizationId, TermId};
use crate::domain::language::{Choice, direction};
use crate::domain::listing::{NewsFilter, NewsQuery, Order, Paging, SortKey, SortValue};
use crate::domain::media::ShownMedia;
use crate::domain::news::{AuthorSummary, NewsItem, NewsStatus, Translation, Visibility};
use crate::domain::slug::Key;
use crate::domain::webhooks::{EventType, Subject};
use crate::domain::words;
use crate::media::MediaUrls;
use crate::search::{self as search_index, SearchIndex};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = news_items, check_for_backend(Backend), treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct NewsRow {
    pub id: NewsId,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub topic_id: Option<TermId>,
    pub region_id: Option<TermId>,
    pub author_id: Option<AuthorId>,
    pub organization_id: Option<OrganizationId>,
    pub status: NewsStatus,
    pub published_at: Option<NaiveDateTime>,
    pub reading_time_seconds: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set while the item is in the trash.
    pub deleted_at: Option<NaiveDateTime>,
    pub deleted_by: Option<String>,
    /// One of the site's languages (exports made before there were several hold English).
    #[serde(default = "english")]
    pub lang: String,
    /// The story the item tells: the id of one item of its group (of itself when alone).
    /// Exports made before there were groups hold none (0): `import` makes each item its own.
    #[serde(default = "no_group")]
    pub group_id: NewsId,
    /// The featured image (exports made before there were images hold none).
    #[serde(default)]
    pub image_id: Option<MediaId>,
}

fn english() -> String {
    "en".into()
}

/// An item as exports hold it: the row without its search words, which are made again from
/// the text when it is imported.
#[derive(Debug, Selectable, Insertable, Queryable, serde::Serialize)]
#[diesel(table_name = news_items, check_for_backend(Backend), treat_none_as_default_value = false)]
pub struct ExportedNews {
    #[diesel(embed)]
    #[serde(flatten)]
    pub row: NewsRow,
    #[serde(skip)]
    pub search_title: String,
    #[serde(skip)]
    pub search_text: String,
}

impl<'de> serde::Deserialize<'de> for ExportedNews {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let row = NewsRow::deserialize(de)?;
        let (search_title, search_text) = words::item_words(&row.lang, &row.title, &row.summary, &row.body);
        Ok(Self { row, search_title, search_text })
    }
}

/// The group of an item exported before there were groups.
pub const NO_GROUP: NewsId = NewsId(0);

fn no_group() -> NewsId {
    NO_GROUP
}

impl NewsRow {
    /// Whether anonymous readers see the item at `now`.
    fn is_public(&self, now: NaiveDateTime) -> bool {
        self.deleted_at.is_none() && out_at(self.status, self.published_at, now)
    }
}

/// Whether a live item of that status and publication time is out at `now`.
fn out_at(status: NewsStatus, published_at: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    status == NewsStatus::Published && published_at.is_some_and(|t| t <= now)
}

/// An item with what it references: the shape the API answers.
#[derive(Debug, Clone)]
pub struct NewsView {
    pub row: NewsRow,
    pub topic: Option<String>,
    pub region: Option<String>,
    pub author: Option<AuthorRow>,
    pub organization: Option<String>,
    pub tags: Vec<String>,
    /// The other items of its group that the reader may see.
    pub translations: Vec<Translation>,
    pub image: Option<ShownMedia>,
}

/// What an item references, as the caller found it: the ids go in the form, these in the view.
#[derive(Debug, Default)]
pub struct References {
    pub topic: Option<String>,
    pub region: Option<String>,
    pub author: Option<AuthorRow>,
    pub organization: Option<String>,
    pub image: Option<ShownMedia>,
}

impl NewsView {
    /// The view as clients see it.
    pub fn item(self) -> NewsItem {
        let view = self;
        let row = view.row;
        NewsItem {
            id: row.id,
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            body: row.body,
            topic: view.topic,
            region: view.region,
            tags: view.tags,
            author: view.author.map(|a| AuthorSummary { id: a.id, name: a.name, title: a.title }),
            organization: view.organization,
            status: row.status,
            published_at: row.published_at.map(utc),
            reading_time_seconds: row.reading_time_seconds,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            dir: direction(&row.lang),
            lang: row.lang,
            translations: view.translations,
            image: view.image,
        }
    }

    /// A stored row with what it references, without reading them again, and the other
    /// items of its group that editors see.
    fn new(conn: &mut DbConn, row: NewsRow, references: References, tags: &[String]) -> QueryResult<Self> {
        let group =
            translations(conn, &[&row], Visibility::Everything, crate::domain::dates::now())?.remove(&row.group_id);
        let mut view = Self::alone(row, references, tags);
        view.translations = others(group.unwrap_or_default(), view.row.id);
        Ok(view)
    }

    /// A stored row with what it references, alone in its story (a new item that joined none:
    /// ids are never given twice, so no other item names its story).
    fn alone(row: NewsRow, references: References, tags: &[String]) -> Self {
        let References { topic, region, author, organization, image } = references;
        Self { row, topic, region, author, organization, tags: tags.to_vec(), translations: Vec::new(), image }
    }
}

/// The other items of the groups of `rows` that `seen_by` may see, per group, by language.
fn translations(
    conn: &mut DbConn,
    rows: &[&NewsRow],
    seen_by: Visibility,
    now: DateTime<Utc>,
) -> QueryResult<HashMap<NewsId, Vec<(NewsId, Translation)>>> {
    let wanted = Wanted { stories: rows.iter().map(|r| r.group_id.0).collect(), ..Wanted::default() };
    Ok(references(conn, &wanted, seen_by, now)?.stories)
}

/// The items of a group but `id`.
fn others(group: Vec<(NewsId, Translation)>, id: NewsId) -> Vec<Translation> {
    group.into_iter().filter(|(other, _)| *other != id).map(|(_, t)| t).collect()
}

/// The stored fields of an item, references resolved to ids.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = news_items, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct NewsForm<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
    pub topic_id: Option<TermId>,
    pub region_id: Option<TermId>,
    pub author_id: Option<AuthorId>,
    pub organization_id: Option<OrganizationId>,
    pub status: NewsStatus,
    pub published_at: Option<NaiveDateTime>,
    pub reading_time_seconds: i32,
    pub updated_at: NaiveDateTime,
    pub lang: &'a str,
    pub image_id: Option<MediaId>,
    /// What search matches of the title, and of the summary and body (`domain::words`).
    pub search_title: &'a str,
    pub search_text: &'a str,
}

/// One page of a listing.
#[derive(Debug)]
pub struct Page {
    pub items: Vec<NewsView>,
    pub total: i64,
    pub has_more: bool,
}

type Condition = Box<dyn BoxableExpression<news_items::table, Backend, SqlType = Bool>>;
/// A condition on columns that may be null (`published_at`, the references).
type Clause = Box<dyn BoxableExpression<news_items::table, Backend, SqlType = Nullable<Bool>>>;

/// Items matching the filter that `visibility` may see at `now`, unordered.
fn filtered(
    filter: &NewsFilter,
    visibility: Visibility,
    now: Now,
    written: Written,
) -> news_items::BoxedQuery<'static, Backend> {
    news_items::table.filter(conditions(filter, visibility, now, written)).into_boxed()
}

/// What a listing's query is written with, learnt before it runs.
#[derive(Debug, Clone, Copy)]
struct Written<'a> {
    /// The filter's search words made ready (`prepare`), if any.
    search: Option<Search>,
    /// The kept bits of the filter's languages, where `listed` found them.
    listed: Option<&'a Listed>,
    steer: Steer,
}

impl Written<'_> {
    /// With the search (if any) only.
    fn plain(search: Option<Search>) -> Self {
        Self { search, listed: None, steer: Steer::Planner }
    }
}

/// The index SQLite is steered to for a listing. Its planner has no statistics here, and
/// given an equality on `status` it walked the published items' index whatever else the
/// listing asked: every item of a million for a rare tag, and every row (then sorted) for a
/// listing by title. PostgreSQL's planner has statistics and is left to itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Steer {
    /// As the planner likes.
    Planner,
    /// The filter matches few items: look them up by its own index (the tags', or the
    /// terms' and authors').
    Matches,
    /// Walk the index of the listing's order, testing each row: the whole archive by title or
    /// by update time, where most rows match.
    Order,
}

impl Steer {
    /// How SQLite is steered for `filter` in `order` (`None`: a count, which has no order).
    /// Only anonymous listings are steered: editors' have no condition on the status to hide.
    fn of(conn: &mut DbConn, filter: &NewsFilter, order: Option<Order>, visibility: Visibility) -> QueryResult<Self> {
        if super::is_postgres(conn) || visibility != Visibility::Public {
            return Ok(Self::Planner);
        }
        if few_matches(conn, filter)? {
            return Ok(Self::Matches);
        }
        let by_other_key = matches!(order, Some(Order::By { key: SortKey::Title | SortKey::UpdatedAt, .. }));
        let whole = filter.range.start.is_none() && filter.range.end.is_none();
        Ok(match by_other_key && whole {
            true => Self::Order,
            false => Self::Planner,
        })
    }

    /// The steer of a listing's page once its total is known. By title or by update time,
    /// the planner reads every match and sorts them (a common topic at a million items:
    /// 141,371 rows for 20 shown). Walking the order's index instead reads about
    /// `reach * archive / total` rows, where `reach` is how far into the order the page ends and
    /// `archive` the store's items (estimated by the largest id), each looked up at random
    /// rather than in the order of the rows: it does where that is a quarter of the matches or
    /// fewer. (At a million items a month, 8,211 items read and sorted, answered 153 times a
    /// second; walking the title's index, 2,440 rows, 124 times.) Only ranges and one topic or
    /// region are written so that no index serves them.
    fn for_page(self, conn: &mut DbConn, query: &NewsQuery, visibility: Visibility, total: i64) -> QueryResult<Self> {
        let filter = &query.filter;
        let hidden = filter.topics.len() <= 1
            && filter.regions.len() <= 1
            && filter.authors.is_empty()
            && filter.tags.is_empty()
            && filter.organization.is_none()
            && filter.updated_since.is_none()
            && filter.search.is_none();
        let by_other_key = matches!(query.order, Order::By { key: SortKey::Title | SortKey::UpdatedAt, .. });
        if self != Self::Planner
            || !hidden
            || !by_other_key
            || visibility != Visibility::Public
            || super::is_postgres(conn)
        {
            return Ok(self);
        }
        let archive: Option<NewsId> = news_items::table.select(diesel::dsl::max(news_items::id)).first(conn)?;
        let skipped = match query.paging {
            Paging::Offset(offset) => i128::from(offset),
            Paging::After { .. } => 0,
        };
        let reach = skipped + i128::from(query.limit);
        let walked = 4 * reach * i128::from(archive.map_or(0, |id| id.0));
        Ok(match walked < i128::from(total).pow(2) {
            true => Self::Order,
            false => self,
        })
    }

    /// The same listing counted: walking an order's index would read every row.
    fn counting(self) -> Self {
        match self {
            Self::Order => Self::Planner,
            steer => steer,
        }
    }
}

/// The ids of the terms of a kind with these slugs, as a subquery (a macro: a boxed query
/// would tie it to the multi-backend connection's backend, which clauses are not).
macro_rules! term_ids {
    ($kind:expr, $slugs:expr) => {
        terms::table
            .filter(terms::kind.eq($kind))
            .filter(terms::slug.eq_any($slugs.to_vec()))
            .select(terms::id.nullable())
    };
}

/// Matches up to which a filter's own index is read for a listing (`Steer::Matches`): looking
/// up a thousand items costs a few milliseconds, where walking a million costs a second.
const FEW: i64 = 1_000;

/// Whether the filter's tags, or its several topics, regions or authors, match at most `FEW`
/// items of any status (read from their own indexes, `FEW + 1` at most). One topic, region or
/// author needs no such count: its index is walked in publication order.
fn few_matches(conn: &mut DbConn, filter: &NewsFilter) -> QueryResult<bool> {
    use news_items::{author_id, id, region_id, topic_id};
    let mut few = |matching: Clause| -> QueryResult<bool> {
        let ids: Vec<NewsId> = news_items::table.filter(matching).select(id).limit(FEW + 1).load(conn)?;
        Ok(ids.len() as i64 <= FEW)
    };
    if !filter.tags.is_empty() {
        let tagged = news_tags::table.filter(news_tags::tag.eq_any(filter.tags.clone())).select(news_tags::news_id);
        if few(Box::new(id.eq_any(tagged).nullable()))? {
            return Ok(true);
        }
    }
    if filter.topics.len() > 1 && few(Box::new(topic_id.eq_any(term_ids!("topic", &filter.topics))))? {
        return Ok(true);
    }
    if filter.regions.len() > 1 && few(Box::new(region_id.eq_any(term_ids!("region", &filter.regions))))? {
        return Ok(true);
    }
    let authors = || filter.authors.iter().copied().map(Some).collect::<Vec<_>>();
    Ok(filter.authors.len() > 1 && few(Box::new(author_id.eq_any(authors())))?)
}

/// The instant a listing is read at, and the latest publication time it shows to anonymous
/// readers: `now`, or earlier past a cursor.
#[derive(Debug, Clone, Copy)]
struct Now {
    now: DateTime<Utc>,
    until: DateTime<Utc>,
}

impl Now {
    /// Once every scheduled item is public: as the kept counts count.
    const EVENTUALLY: Self = Self { now: dates::EVENTUALLY, until: dates::EVENTUALLY };
}

impl From<DateTime<Utc>> for Now {
    fn from(now: DateTime<Utc>) -> Self {
        Self { now, until: now }
    }
}

/// What `filtered` selects, as one condition (a grouped query, which diesel cannot box, takes
/// it too).
fn conditions(
    filter: &NewsFilter,
    visibility: Visibility,
    Now { now, until }: Now,
    Written { search, listed, steer }: Written,
) -> Clause {
    use news_items::{author_id, id, organization_id, region_id, status, topic_id, updated_at};
    let steer = match search {
        Some(search) if search.looks_up_matches() => Steer::Matches,
        _ => steer,
    };
    // Trashed items are seen only through the trash.
    let mut all: Vec<Clause> = vec![Box::new(news_items::deleted_at.is_null().nullable())];
    if visibility == Visibility::Public {
        let published: &str = NewsStatus::Published.into();
        all.push(match steer {
            // True of most items, as SQLite's planner cannot know without statistics.
            Steer::Matches => Box::new(
                sql::<Nullable<Bool>>("likelihood(news_items.status = ").bind::<Text, _>(published).sql(", 0.95)"),
            ),
            // An expression no index holds.
            Steer::Order => Box::new(sql::<Nullable<Bool>>("news_items.status || '' = ").bind::<Text, _>(published)),
            Steer::Planner => Box::new(status.eq(published).nullable()),
        });
    }
    // Walking an order's index, the publication time is an expression no index holds.
    let column = match steer {
        Steer::Order => "COALESCE(news_items.published_at, NULL)",
        _ => "news_items.published_at",
    };
    let published = |compared: &str, at: NaiveDateTime| -> Clause {
        Box::new(sql::<Nullable<Bool>>(&format!("{column} {compared} ")).bind::<Timestamp, _>(at))
    };
    if let Some(start) = filter.range.start {
        all.push(published(">=", start.naive_utc()));
    }
    // One upper bound, the tighter of the range's end and (for anonymous readers) now: given
    // both, SQLite bounds its index walk by either, and walked years past a month's end.
    let until = until.naive_utc();
    match (filter.range.end.map(|end| end.naive_utc()), visibility) {
        (Some(end), Visibility::Public) if end > until => all.push(published("<=", until)),
        (Some(end), _) => all.push(published("<", end)),
        (None, Visibility::Public) => all.push(published("<=", until)),
        (None, Visibility::Everything) => {}
    }
    if let Some(choice) = &filter.languages {
        all.push(match listed {
            Some(listed) if visibility == Visibility::Public => kept_best(listed, choice, now),
            _ => best_translation(choice, visibility, now),
        });
    }
    if let Some(since) = filter.updated_since {
        all.push(Box::new(updated_at.gt(since.naive_utc()).nullable()));
    }
    // One term is compared as one value: SQLite then walks the term's index in publication
    // order. Given `IN (SELECT ...)`, it walked every published item and read each row to test
    // its term (a month of a million items: five rows read for each shown, and every row for a
    // term that is rare or unknown).
    // Walking an order's index, the term is added to: an expression no index holds.
    match filter.topics.as_slice() {
        [] => {}
        [_] if steer == Steer::Order => {
            all.push(Box::new((topic_id + 0).eq(term_ids!("topic", &filter.topics).single_value())))
        }
        [_] => all.push(Box::new(topic_id.eq(term_ids!("topic", &filter.topics).single_value()))),
        several => all.push(Box::new(topic_id.eq_any(term_ids!("topic", several)))),
    }
    match filter.regions.as_slice() {
        [] => {}
        [_] if steer == Steer::Order => {
            all.push(Box::new((region_id + 0).eq(term_ids!("region", &filter.regions).single_value())))
        }
        [_] => all.push(Box::new(region_id.eq(term_ids!("region", &filter.regions).single_value()))),
        several => all.push(Box::new(region_id.eq_any(term_ids!("region", several)))),
    }
    if !filter.authors.is_empty() {
        all.push(Box::new(author_id.eq_any(filter.authors.iter().copied().map(Some).collect::<Vec<_>>())));
    }
    if !filter.tags.is_empty() {
        let tagged = news_tags::table.filter(news_tags::tag.eq_any(filter.tags.clone())).select(news_tags::news_id);
        all.push(Box::new(id.eq_any(tagged).nullable()));
    }
    if !filter.statuses.is_empty() {
        all.push(Box::new(status.eq_any(filter.statuses.clone()).nullable()));
    }
    if let Some(organization) = filter.organization {
        all.push(Box::new(organization_id.eq(organization)));
    }
    if let (Some(terms), Some(search)) = (&filter.search, search) {
        all.push(Box::new(search.matches(terms).nullable()));
    }
    all.into_iter()
        .reduce(|both, next| Box::new(both.and(next)))
        .unwrap_or_else(|| Box::new(true.into_sql::<Nullable<Bool>>()))
}

/// True of the item a story shows in `choice`: the one in the first of its languages that the
/// reader may see. The choice holds only site languages (letters, digits and hyphens), which
/// are written into the SQL as they are. Correlated, so that only the rows a page reads are
/// looked up (by the story's index), at any archive size. One branch per language, each
/// asking only for the languages before it: a row in the reader's third language looks up
/// two entries of its story, not every language's entry ranked afterwards (a French page of a
/// four-language archive reads three such rows for each it shows).
fn best_translation(choice: &Choice, visibility: Visibility, now: DateTime<Utc>) -> Clause {
    let quoted: Vec<String> = choice.order().iter().map(|tag| format!("'{tag}'")).collect();
    let branch = |(i, tag): (usize, &String)| -> Clause {
        if i == 0 {
            return Box::new(sql::<Nullable<Bool>>(&format!("news_items.lang = {tag}")));
        }
        let head = format!(
            "news_items.lang = {tag} AND NOT EXISTS (SELECT 1 FROM news_items better \
             WHERE better.group_id = news_items.group_id AND better.deleted_at IS NULL AND better.lang IN ({})",
            quoted[..i].join(", "),
        );
        match visibility {
            Visibility::Everything => Box::new(sql::<Nullable<Bool>>(&format!("{head})"))),
            // Written as expressions, not plain columns: given the columns, SQLite's planner
            // walked the public index (every published item) for each row instead of the
            // story's few.
            Visibility::Public => Box::new(
                sql::<Nullable<Bool>>(&format!(
                    "{head} AND better.status || '' = 'published' AND COALESCE(better.published_at, NULL) <= "
                ))
                .bind::<Timestamp, _>(now.naive_utc())
                .sql(")"),
            ),
        }
    };
    quoted
        .iter()
        .enumerate()
        .map(branch)
        .reduce(|either, next| Box::new(either.or(next)))
        .unwrap_or_else(|| Box::new(false.into_sql::<Nullable<Bool>>()))
}

/// `best_translation` for anonymous readers, from the kept bit of the reader's order: one
/// column of the index a listing walks, where the story's other items were looked up for each
/// row (three per row shown in a French page of a four-language archive). Stories with a
/// scheduled item, whose bit tells what they will list once it is out, are looked up still.
fn kept_best(listed: &Listed, choice: &Choice, now: DateTime<Utc>) -> Clause {
    let bit = sql::<Nullable<Bool>>(&format!("(news_items.listed_in & {}) <> 0", 1_i64 << listed.bit));
    if listed.unsettled.is_empty() {
        return Box::new(bit);
    }
    let unsettled = || listed.unsettled.clone();
    let settled = news_items::group_id.ne_all(unsettled()).nullable().and(bit);
    let looked_up =
        news_items::group_id.eq_any(unsettled()).nullable().and(best_translation(choice, Visibility::Public, now));
    Box::new(settled.or(looked_up))
}

/// The kept bits of an anonymous listing in `filter`'s languages with fallback, where kept.
fn listed(
    conn: &mut DbConn,
    filter: &NewsFilter,
    visibility: Visibility,
    now: DateTime<Utc>,
) -> QueryResult<Option<Listed>> {
    match (&filter.languages, visibility) {
        (Some(choice), Visibility::Public) if choice.order().len() > 1 => {
            counts::listed(conn, &counts::View::of(Some(choice)), now, UNSETTLED_STORIES)
        }
        _ => Ok(None),
    }
}

/// Rows after the cursor position in `order`. Anonymous readers see only dated items, so
/// their conditions need no `IS NULL` branch, which would keep the index from being used.
fn after(
    key: SortKey,
    descending: bool,
    value: &SortValue,
    last_id: NewsId,
    visibility: Visibility,
) -> Option<Condition> {
    use news_items::{id, published_at, title, updated_at};
    macro_rules! beyond {
        ($col:expr, $v:expr) => {
            if descending {
                Box::new($col.lt($v).or($col.eq($v).and(id.lt(last_id)))) as Condition
            } else {
                Box::new($col.gt($v).or($col.eq($v).and(id.gt(last_id)))) as Condition
            }
        };
    }
    let id_beyond: Condition = if descending { Box::new(id.lt(last_id)) } else { Box::new(id.gt(last_id)) };
    Some(match (key, value) {
        (SortKey::PublishedAt, SortValue::Time(Some(t))) if visibility == Visibility::Public => {
            beyond!(published_at.assume_not_null(), t.naive_utc())
        }
        // Items without a publication date sort last in both directions.
        (SortKey::PublishedAt, SortValue::Time(Some(t))) => {
            Box::new(beyond!(published_at.assume_not_null(), t.naive_utc()).or(published_at.is_null()))
        }
        (SortKey::PublishedAt, SortValue::Time(None)) => Box::new(published_at.is_null().and(id_beyond)),
        (SortKey::UpdatedAt, SortValue::Time(Some(t))) => beyond!(updated_at, t.naive_utc()),
        (SortKey::Title, SortValue::Text(t)) => beyond!(title, t.clone()),
        _ => return None,
    })
}

/// The query in `order`. For anonymous readers (only dated items) the order is the plain
/// index order; for editors, undated drafts come last.
fn ordered<'a>(
    mut query: news_items::BoxedQuery<'a, Backend>,
    order: Order,
    filter: &'a NewsFilter,
    search: Option<Search>,
    visibility: Visibility,
) -> news_items::BoxedQuery<'a, Backend> {
    use news_items::{id, published_at, title, updated_at};
    let (key, descending) = match order {
        Order::Relevance => {
            return match (&filter.search, search) {
                (Some(terms), Some(search)) => query.order(search.rank(terms)).then_order_by(id.desc()),
                _ => query.order(id.desc()),
            };
        }
        Order::By { key, descending } => (key, descending),
    };
    let undated_last = visibility == Visibility::Everything;
    query = match key {
        SortKey::PublishedAt if undated_last && descending => {
            query.order((published_at.is_null(), published_at.desc()))
        }
        SortKey::PublishedAt if undated_last => query.order((published_at.is_null(), published_at.asc())),
        SortKey::PublishedAt if descending => query.order(published_at.desc()),
        SortKey::PublishedAt => query.order(published_at.asc()),
        SortKey::UpdatedAt if descending => query.order(updated_at.desc()),
        SortKey::UpdatedAt => query.order(updated_at.asc()),
        SortKey::Title if descending => query.order(title.desc()),
        SortKey::Title => query.order(title.asc()),
    };
    if descending { query.then_order_by(id.desc()) } else { query.then_order_by(id.asc()) }
}

/// The sort-key value of a row, for the next cursor.
pub fn sort_value(row: &NewsRow, order: Order) -> SortValue {
    match order {
        Order::By { key: SortKey::Title, .. } => SortValue::Text(row.title.clone()),
        Order::By { key: SortKey::UpdatedAt, .. } => SortValue::Time(Some(row.updated_at.and_utc())),
        Order::By { key: SortKey::PublishedAt, .. } | Order::Relevance => {
            SortValue::Time(row.published_at.map(|t| t.and_utc()))
        }
    }
}

/// One page of a listing, with the total number of matching items (counted unless `known`).
/// A search the index answers (`searched`) is answered there.
pub fn list(
    conn: &mut DbConn,
    urls: &MediaUrls,
    index: Option<&SearchIndex>,
    query: &NewsQuery,
    visibility: Visibility,
    now: DateTime<Utc>,
    known: Option<i64>,
) -> QueryResult<Page> {
    if let Some(page) = searched(conn, urls, index, query, visibility, now)? {
        return Ok(page);
    }
    let search = prepare(conn, &query.filter, query.order == Order::Relevance)?;
    let filter = &query.filter;
    let listed = listed(conn, filter, visibility, now)?;
    let steer = Steer::of(conn, filter, Some(query.order), visibility)?;
    let written = Written { search, listed: listed.as_ref(), steer };
    // Read only where the kept counts serve: a total not known yet, or a far page by number.
    let kept = match known.is_none() || far_by_number(query) {
        true => Kept::of(filter, visibility, now, listed.as_ref()),
        false => None,
    };
    let total = match (known, &kept) {
        (Some(total), _) => Some(total),
        (None, Some(kept)) => kept.total(conn, filter, now)?,
        (None, None) => None,
    };
    let total = match total {
        Some(total) => total,
        None => super::kept::Kept(
            filtered(filter, visibility, now.into(), Written { steer: steer.counting(), ..written }).count(),
        )
        .get_result(conn)?,
    };
    let jumped = match &kept {
        Some(kept) if far_by_number(query) && kept.unsettled.is_empty() => jump(conn, query, kept, total, now)?,
        _ => None,
    };
    let shown = jumped.as_ref().unwrap_or(query);
    let written = Written { steer: steer.for_page(conn, shown, visibility, total)?, ..written };
    let (items, has_more) = page_of(conn, urls, shown, visibility, now, written)?;
    Ok(Page { items, total, has_more })
}

/// Stories with a scheduled item that kept counts correct one by one; with more, they count.
const UNSETTLED_STORIES: i64 = 500;

/// Pages before this one by `page=` are read by walking the newer items: up to here that costs
/// no more than reading the kept counts.
const JUMP_FROM: u64 = 500;

/// What the kept counts (`counts`) hold of an anonymous listing: its whole days before today.
/// The rest of its range (today, and the parts of days at its edges) is counted item by item. A
/// story whose best item is scheduled is kept as it will be: where it matters, its count as it
/// is now replaces that.
struct Kept {
    cover: Cover,
    days: Days,
    /// The stories with a scheduled item, where the view falls back to other languages.
    unsettled: Vec<NewsId>,
}

impl Kept {
    /// `None` where kept counts cannot answer: readers who see drafts, filters no facet covers,
    /// ranges without a whole day, or a view with fallback without `listed` (not kept, or too
    /// many scheduled stories).
    fn of(filter: &NewsFilter, visibility: Visibility, now: DateTime<Utc>, listed: Option<&Listed>) -> Option<Self> {
        if visibility != Visibility::Public {
            return None;
        }
        let (cover, days) = (Cover::of(filter)?, Days::within(filter.range, now)?);
        let unsettled = match cover.view().has_fallback() {
            true => listed?.unsettled.clone(),
            false => Vec::new(),
        };
        Some(Self { cover, days, unsettled })
    }

    /// The listing's total; `None` when the counts do not hold its view.
    fn total(&self, conn: &mut DbConn, filter: &NewsFilter, now: DateTime<Utc>) -> QueryResult<Option<i64>> {
        let Some(mut total) = counts::sum(conn, &self.cover, self.days)? else { return Ok(None) };
        let mut count =
            |clause: Clause| super::kept::Kept(news_items::table.filter(clause).count()).get_result::<i64>(conn);
        for range in self.days.outside(filter.range) {
            total += count(part(filter, range, now.into(), None))?;
        }
        if !self.unsettled.is_empty() {
            total += count(part(filter, self.days.range(), now.into(), Some(&self.unsettled)))?;
            total -= count(part(filter, self.days.range(), Now::EVENTUALLY, Some(&self.unsettled)))?;
        }
        Ok(Some(total))
    }

    /// The listing's counts per UTC day (the start of each, in seconds since the epoch, as
    /// `published_per_span` answers), newest last; `None` when the counts do not hold its view.
    fn per_day(
        &self,
        conn: &mut DbConn,
        filter: &NewsFilter,
        now: DateTime<Utc>,
    ) -> QueryResult<Option<Vec<(i64, i64)>>> {
        let Some(kept) = counts::per_day(conn, &self.cover, self.days)? else { return Ok(None) };
        let mut per_day: BTreeMap<i64, i64> =
            kept.into_iter().map(|(day, n)| (day * counts::SECONDS_PER_DAY, n)).collect();
        let mut add = |spans: Vec<(i64, i64)>, sign: i64| {
            for (start, n) in spans {
                *per_day.entry(start).or_default() += sign * n;
            }
        };
        for range in self.days.outside(filter.range) {
            add(spans(conn, part(filter, range, now.into(), None), counts::SECONDS_PER_DAY)?, 1);
        }
        if !self.unsettled.is_empty() {
            let range = self.days.range();
            add(spans(conn, part(filter, range, now.into(), Some(&self.unsettled)), counts::SECONDS_PER_DAY)?, 1);
            add(spans(conn, part(filter, range, Now::EVENTUALLY, Some(&self.unsettled)), counts::SECONDS_PER_DAY)?, -1);
        }
        Ok(Some(per_day.into_iter().filter(|&(_, n)| n != 0).collect()))
    }
}

/// `filter`'s conditions for anonymous readers at `now`, over `range` instead of its own, and
/// in `groups` only, if given.
fn part(filter: &NewsFilter, range: TimeRange, now: Now, groups: Option<&[NewsId]>) -> Clause {
    let clause = conditions(&NewsFilter { range, ..filter.clone() }, Visibility::Public, now, Written::plain(None));
    match groups {
        Some(groups) => Box::new(clause.and(news_items::group_id.eq_any(groups.to_vec()).nullable())),
        None => clause,
    }
}

/// Whether a listing is paged by number far from its start, newest first (where `jump` helps).
fn far_by_number(query: &NewsQuery) -> bool {
    let newest_first = Order::By { key: SortKey::PublishedAt, descending: true };
    matches!(query.paging, Paging::Offset(offset) if offset >= JUMP_FROM) && query.order == newest_first
}

/// A newest-first anonymous listing paged by `page=` far from its start (`far_by_number`), as
/// the same page of the listing that ends with the day the page starts in: the kept counts of
/// the days tell which day that is and how many of its items to skip, so the query no longer
/// walks every newer item. A page in the older half of the listing (of `total` items) is looked
/// for from the oldest day. `None` when the page starts outside the kept days.
fn jump(
    conn: &mut DbConn,
    query: &NewsQuery,
    kept: &Kept,
    total: i64,
    now: DateTime<Utc>,
) -> QueryResult<Option<NewsQuery>> {
    let Paging::Offset(offset) = query.paging else { return Ok(None) };
    let filter = &query.filter;
    let newer = match kept.days.after(filter.range) {
        Some(range) => super::kept::Kept(news_items::table.filter(part(filter, range, now.into(), None)).count())
            .get_result::<i64>(conn)?,
        None => 0,
    };
    let Some(skip) = i64::try_from(offset).ok().and_then(|offset| offset.checked_sub(newer)) else {
        return Ok(None);
    };
    let found = match i64::try_from(offset).is_ok_and(|offset| offset > total / 2) {
        true => match counts::sum(conn, &kept.cover, kept.days)? {
            Some(in_days) if skip < in_days => {
                counts::day_of_item(conn, &kept.cover, kept.days, End::Oldest, in_days - 1 - skip)?
            }
            _ => None,
        },
        false => counts::day_of_item(conn, &kept.cover, kept.days, End::Newest, skip)?,
    };
    let Some((day, skip)) = found else { return Ok(None) };
    let range = TimeRange { start: filter.range.start, end: Some(counts::day_start(day + 1)) };
    Ok(Some(NewsQuery {
        filter: NewsFilter { range, ..filter.clone() },
        paging: Paging::Offset(skip.unsigned_abs()),
        ..query.clone()
    }))
}

/// The items of one page, and whether more follow (no total: feeds need none).
pub fn page(
    conn: &mut DbConn,
    urls: &MediaUrls,
    index: Option<&SearchIndex>,
    query: &NewsQuery,
    visibility: Visibility,
    now: DateTime<Utc>,
) -> QueryResult<(Vec<NewsView>, bool)> {
    if let Some(page) = searched(conn, urls, index, query, visibility, now)? {
        return Ok((page.items, page.has_more));
    }
    let search = prepare(conn, &query.filter, query.order == Order::Relevance)?;
    let listed = listed(conn, &query.filter, visibility, now)?;
    let steer = Steer::of(conn, &query.filter, Some(query.order), visibility)?;
    page_of(conn, urls, query, visibility, now, Written { search, listed: listed.as_ref(), steer })
}

/// A page of an anonymous search from the search index, where the index answers it
/// (`planned`) and the listing is ordered by relevance or publication time. `None`: the
/// database answers.
fn searched(
    conn: &mut DbConn,
    urls: &MediaUrls,
    index: Option<&SearchIndex>,
    query: &NewsQuery,
    visibility: Visibility,
    now: DateTime<Utc>,
) -> QueryResult<Option<Page>> {
    let order = match query.order {
        Order::Relevance if query.filter.search.is_none() => return Ok(None),
        Order::Relevance => search_index::Order::Relevance,
        Order::By { key: SortKey::PublishedAt, descending: true } => search_index::Order::Newest,
        Order::By { key: SortKey::PublishedAt, descending: false } => search_index::Order::Oldest,
        Order::By { .. } => return Ok(None),
    };
    let (offset, after) = match &query.paging {
        Paging::Offset(offset) => (usize::try_from(*offset).unwrap_or(usize::MAX), None),
        Paging::After { value: SortValue::Time(Some(at)), id } => {
            (0, Some((at.timestamp_micros(), u64::try_from(id.0).unwrap_or(0))))
        }
        Paging::After { .. } => return Ok(None),
    };
    let Some((index, mut plan)) = planned(conn, index, &query.filter, visibility, now)? else { return Ok(None) };
    let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
    plan.order = order;
    (plan.after, plan.offset, plan.limit) = (after, offset, limit.saturating_add(1));
    let found = match index.search(&plan) {
        Ok(found) => found,
        Err(err) => {
            log::warn!("searching in the database: {err}");
            return Ok(None);
        }
    };
    let has_more = found.ids.len() > limit;
    let shown = &found.ids[..found.ids.len().min(limit)];
    let mut rows: HashMap<NewsId, NewsRow> = news_items::table
        .filter(news_items::id.eq_any(shown))
        .select(NewsRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row: NewsRow| (row.id, row))
        .collect();
    let rows = shown.iter().filter_map(|id| rows.remove(id)).collect();
    let items = hydrate(conn, urls, rows, visibility, now)?;
    let total = i64::try_from(found.total).unwrap_or(i64::MAX);
    Ok(Some(Page { items, total, has_more }))
}

/// The publication time of every item an anonymous search finds, from the search index where
/// it answers (`planned`), for archive counts. `None`: the database answers.
pub fn searched_published(
    conn: &mut DbConn,
    index: Option<&SearchIndex>,
    filter: &NewsFilter,
    visibility: Visibility,
    now: DateTime<Utc>,
) -> QueryResult<Option<Vec<NaiveDateTime>>> {
    let Some((index, plan)) = planned(conn, index, filter, visibility, now)? else { return Ok(None) };
    match index.published(&plan) {
        Ok(published) => Ok(Some(published)),
        Err(err) => {
            log::warn!("searching in the database: {err}");
            Ok(None)
        }
    }
}

/// The filter of an anonymous search as a query on the search index (first page, by
/// relevance), once the index has caught up with the store. A listing without search words
/// that the kept counts do not count (`Cover::of`: tags, two facets, `updated_since`) is
/// asked of the index too: it counts the matches without reading each row, where SQLite read
/// every item of the archive (a tag of a million items: 140 ms). `None` where the index does
/// not answer: listings the kept counts count, readers who see drafts (the index holds only
/// what anonymous readers may find), a `status` filter, or an index not ready.
fn planned<'a>(
    conn: &mut DbConn,
    index: Option<&'a SearchIndex>,
    filter: &NewsFilter,
    visibility: Visibility,
    now: DateTime<Utc>,
) -> QueryResult<Option<(&'a SearchIndex, search_index::Plan)>> {
    let Some(index) = index else { return Ok(None) };
    let words = match &filter.search {
        Some(terms) => terms.by_language().to_vec(),
        None if Cover::of(filter).is_none() => Vec::new(),
        None => return Ok(None),
    };
    if visibility != Visibility::Public || !filter.statuses.is_empty() || !index.is_ready() {
        return Ok(None);
    }
    if let Err(err) = index.follow(conn, now) {
        log::warn!("searching in the database: {err}");
        return Ok(None);
    }
    use std::ops::Bound::{Excluded, Included, Unbounded};
    let micros = |at: DateTime<Utc>| at.timestamp_micros();
    let upper = match filter.range.end {
        Some(end) if end <= now => Excluded(micros(end)),
        _ => Included(micros(now)),
    };
    let lower = filter.range.start.map_or(Unbounded, |start| Included(micros(start)));
    let ids_of = |kind: &'static str, slugs: &[String], conn: &mut DbConn| -> QueryResult<Option<Vec<u64>>> {
        if slugs.is_empty() {
            return Ok(None);
        }
        let ids: Vec<TermId> =
            terms::table.filter(terms::kind.eq(kind)).filter(terms::slug.eq_any(slugs)).select(terms::id).load(conn)?;
        Ok(Some(ids.into_iter().filter_map(|id| u64::try_from(id.0).ok()).collect()))
    };
    let unsigned = |ids: Vec<i64>| ids.into_iter().filter_map(|id| u64::try_from(id).ok()).collect::<Vec<u64>>();
    let plan = search_index::Plan {
        words,
        published: (lower, upper),
        until_now: filter.range.end.is_none_or(|end| end > now),
        updated_after: filter.updated_since.map(micros),
        languages: filter.languages.as_ref().map(|choice| choice.order().to_vec()),
        topics: ids_of("topic", &filter.topics, conn)?,
        regions: ids_of("region", &filter.regions, conn)?,
        authors: (!filter.authors.is_empty()).then(|| unsigned(filter.authors.iter().map(|a| a.0).collect())),
        organizations: filter.organization.map(|o| unsigned(vec![o.0])),
        tags: (!filter.tags.is_empty()).then(|| filter.tags.clone()),
        order: search_index::Order::Relevance,
        after: None,
        offset: 0,
        limit: 0,
    };
    Ok(Some((index, plan)))
}

/// The filter's search made ready (`ranked` for a listing in order of relevance).
fn prepare(conn: &mut DbConn, filter: &NewsFilter, ranked: bool) -> QueryResult<Option<Search>> {
    filter.search.as_ref().map(|terms| search::prepare(conn, terms, ranked)).transpose()
}

/// One page of a listing.
fn page_of(
    conn: &mut DbConn,
    urls: &MediaUrls,
    query: &NewsQuery,
    visibility: Visibility,
    now: DateTime<Utc>,
    written: Written,
) -> QueryResult<(Vec<NewsView>, bool)> {
    // Past a cursor in a newest-first public listing, nothing newer than the cursor shows, so
    // the cursor is the upper bound (SQLite bounds its index walk by one: with `now`, it
    // walked from the newest item down to the cursor, 40,000 entries for page 2000).
    let until = match (&query.paging, query.order, visibility) {
        (
            Paging::After { value: SortValue::Time(Some(cursor)), .. },
            Order::By { key: SortKey::PublishedAt, descending: true },
            Visibility::Public,
        ) => now.min(*cursor),
        _ => now,
    };
    let mut page = ordered(
        filtered(&query.filter, visibility, Now { now, until }, written),
        query.order,
        &query.filter,
        written.search,
        visibility,
    );
    match &query.paging {
        Paging::Offset(offset) => page = page.offset(i64::try_from(*offset).unwrap_or(i64::MAX)),
        Paging::After { value, id } => {
            if let Order::By { key, descending } = query.order {
                match after(key, descending, value, *id, visibility) {
                    Some(condition) => page = page.filter(condition),
                    None => return Ok((Vec::new(), false)),
                }
            }
        }
    }
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let mut rows: Vec<NewsRow> = super::kept::Kept(page.limit(limit + 1).select(NewsRow::as_select())).load(conn)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(query.limit as usize);
    Ok((hydrate(conn, urls, rows, visibility, now)?, has_more))
}

/// Counts of the matching items per span of `span_seconds` of publication time: each span's
/// start (seconds since the epoch, a multiple of the span) and its count. The grouping runs in
/// the database, so the answer grows with the time the archive covers, not with its items.
pub fn published_per_span(
    conn: &mut DbConn,
    filter: &NewsFilter,
    visibility: Visibility,
    now: DateTime<Utc>,
    span_seconds: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    let search = prepare(conn, filter, false)?;
    let steer = Steer::of(conn, filter, None, visibility)?;
    spans(conn, conditions(filter, visibility, now.into(), Written { steer, ..Written::plain(search) }), span_seconds)
}

/// `published_per_span` for UTC days, from the kept counts where they cover the filter.
pub fn published_per_day(
    conn: &mut DbConn,
    filter: &NewsFilter,
    visibility: Visibility,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(i64, i64)>> {
    let listed = listed(conn, filter, visibility, now)?;
    if let Some(kept) = Kept::of(filter, visibility, now, listed.as_ref())
        && let Some(per_day) = kept.per_day(conn, filter, now)?
    {
        return Ok(per_day);
    }
    published_per_span(conn, filter, visibility, now, counts::SECONDS_PER_DAY)
}

/// The items `clause` selects, counted per span of `span_seconds` of publication time.
fn spans(conn: &mut DbConn, clause: Clause, span_seconds: i64) -> QueryResult<Vec<(i64, i64)>> {
    let seconds = if super::is_postgres(conn) {
        "CAST(extract(epoch FROM news_items.published_at) AS BIGINT)"
    } else {
        "CAST(strftime('%s', news_items.published_at) AS INTEGER)"
    };
    // The span's start, rounded down for instants before 1970 too (`%` keeps the sign).
    let start = format!("({seconds} - (({seconds} % {span_seconds}) + {span_seconds}) % {span_seconds})");
    news_items::table
        .filter(clause)
        .filter(news_items::published_at.is_not_null())
        .group_by(sql::<BigInt>(&start))
        .select((sql::<BigInt>(&start), sql::<BigInt>("count(*)")))
        .load(conn)
}

/// Publication instants of the matching items within `[from, until)`, for the rare span
/// that crosses a period's boundary in the reader's time zone.
pub fn published_between(
    conn: &mut DbConn,
    filter: &NewsFilter,
    visibility: Visibility,
    now: DateTime<Utc>,
    (from, until): (NaiveDateTime, NaiveDateTime),
) -> QueryResult<Vec<NaiveDateTime>> {
    let search = prepare(conn, filter, false)?;
    filtered(filter, visibility, now.into(), Written::plain(search))
        .filter(news_items::published_at.ge(from))
        .filter(news_items::published_at.lt(until))
        .select(news_items::published_at.assume_not_null())
        .load(conn)
}

/// The live item (not in the trash) of that id or slug.
fn live(key: &Key<NewsId>) -> news_items::BoxedQuery<'static, Backend> {
    let query = news_items::table.filter(news_items::deleted_at.is_null()).into_boxed();
    match key {
        Key::Id(id) => query.filter(news_items::id.eq(*id)),
        Key::Slug(slug) => query.filter(news_items::slug.eq(slug.clone())),
    }
}

/// The id of the live item of that id or slug.
pub fn live_id(conn: &mut DbConn, key: &Key<NewsId>) -> QueryResult<NewsId> {
    live(key).select(news_items::id).first(conn)
}

/// One item by id or slug, if `visibility` may see it.
pub fn find(
    conn: &mut DbConn,
    urls: &MediaUrls,
    key: &Key<NewsId>,
    visibility: Visibility,
    now: DateTime<Utc>,
) -> QueryResult<NewsView> {
    let mut query = live(key).select(NewsRow::as_select());
    if visibility == Visibility::Public {
        query = query
            .filter(news_items::status.eq(NewsStatus::Published))
            .filter(news_items::published_at.le(now.naive_utc()));
    }
    let row = query.first(conn)?;
    hydrate(conn, urls, vec![row], visibility, now)?.pop().ok_or(diesel::result::Error::NotFound)
}

pub fn slug_taken(conn: &mut DbConn, slug: &str, except_id: Option<NewsId>) -> QueryResult<bool> {
    // No id is below 0: with none to except, the filter excepts nothing.
    let except = except_id.unwrap_or(NewsId(-1));
    let found: Option<NewsId> = native!(conn, |c| news_items::table
        .filter(news_items::slug.eq(slug))
        .filter(news_items::id.ne(except))
        .select(news_items::id)
        .first(c)
        .optional())?;
    Ok(found.is_some())
}

/// Stores a new item under the next unused id (ids of purged items are never given again), in
/// `group`, or as a story of its own.
pub fn insert(
    conn: &mut DbConn,
    urls: &MediaUrls,
    form: &NewsForm,
    group: Option<NewsId>,
    references: References,
    tags: &[String],
) -> QueryResult<NewsView> {
    use diesel::dsl::max;
    let id = super::commit::next_news_id(|| {
        // One statement, one round trip on PostgreSQL.
        let (last_item, last_known): (Option<NewsId>, Option<NewsId>) = native!(conn, |c| diesel::select((
            news_items::table.select(max(news_items::id)).single_value(),
            news_changes::table.select(max(news_changes::news_id)).single_value(),
        ))
        .get_result(c))?;
        Ok(last_item.max(last_known).unwrap_or(NewsId(0)))
    })?;
    // A translation's place in its story is for `settle` to find.
    let listed_in = match group {
        None => counts::listed_alone(form.lang, form.status, form.published_at),
        Some(_) => 0,
    };
    let row: NewsRow = native!(conn, |c| diesel::insert_into(news_items::table)
        .values((
            news_items::id.eq(id),
            news_items::group_id.eq(group.unwrap_or(id)),
            form,
            news_items::created_at.eq(form.updated_at),
            news_items::listed_in.eq(listed_in),
        ))
        .returning(NewsRow::as_returning())
        .get_result(c))?;
    add_tags(conn, row.id, tags)?;
    let public = row.is_public(crate::domain::dates::now().naive_utc());
    // An item nobody can see yet takes no number (see `announce`); 0 sorts before them all.
    let seq = if public { next_change(conn)? } else { 0 };
    native!(conn, |c| diesel::insert_into(news_changes::table)
        .values((
            news_changes::news_id.eq(id),
            news_changes::change_seq.eq(seq),
            news_changes::change_at.eq(row.updated_at),
            news_changes::public.eq(public),
            news_changes::ever_public.eq(public),
        ))
        .execute(c))?;
    stories_changed(conn, &[row.group_id])?;
    let view = match group {
        Some(_) => NewsView::new(conn, row, references, tags)?,
        None => NewsView::alone(row, references, tags),
    };
    if public {
        push(conn, urls, id, EventType::NewsPublished, seq, Some(&view), None)?;
        if group.is_some() {
            tell_story(conn, urls, &[view.row.group_id], id, view.row.updated_at)?;
        }
    }
    Ok(view)
}

/// Stores an item over the one with that id, in `group`.
pub fn update(
    conn: &mut DbConn,
    urls: &MediaUrls,
    id: NewsId,
    form: &NewsForm,
    group: NewsId,
    references: References,
    tags: &[String],
) -> QueryResult<NewsView> {
    // What the item was filed under: a webhook filtered by it hears that it moved away. Its
    // story, language and slug: the other items of its story list them.
    let (topic, region, left, named): (Option<TermId>, Option<TermId>, NewsId, (String, String)) = news_items::table
        .find(id)
        .select((
            news_items::topic_id,
            news_items::region_id,
            news_items::group_id,
            (news_items::lang, news_items::slug),
        ))
        .first(conn)?;
    let row: NewsRow = diesel::update(news_items::table.find(id))
        .set((form, news_items::group_id.eq(group)))
        .returning(<NewsRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)?;
    replace_tags(conn, id, tags)?;
    stories_changed(conn, &[left, group])?;
    let view = NewsView::new(conn, row, references, tags)?;
    let (was_public, public) = log_change(conn, urls, &view, view.row.updated_at, Some((topic, region)))?;
    let renamed = (named.0.as_str(), named.1.as_str()) != (view.row.lang.as_str(), view.row.slug.as_str());
    if (was_public || public) && (was_public != public || left != group || renamed) {
        tell_story(conn, urls, &[left, group], id, view.row.updated_at)?;
    }
    Ok(view)
}

/// The group of a live item.
pub fn group_of(conn: &mut DbConn, id: NewsId) -> QueryResult<Option<NewsId>> {
    news_items::table
        .find(id)
        .filter(news_items::deleted_at.is_null())
        .select(news_items::group_id)
        .first(conn)
        .optional()
}

/// The live item of `group` in `lang`, other than `except`.
pub fn translation_in(
    conn: &mut DbConn,
    group: NewsId,
    lang: &str,
    except: Option<NewsId>,
) -> QueryResult<Option<NewsId>> {
    native!(conn, |c| news_items::table
        .filter(news_items::group_id.eq(group))
        .filter(news_items::lang.eq(lang))
        .filter(news_items::deleted_at.is_null())
        .filter(news_items::id.ne(except.unwrap_or(NewsId(-1))))
        .select(news_items::id)
        .first(c)
        .optional())
}

/// Before item `id` leaves `group`: a group is named by one of its items, so when it is named
/// by this one, the others take the name of the first of them. The item's own id is then free
/// to name a group of its own.
pub fn leave_group(conn: &mut DbConn, id: NewsId, group: NewsId) -> QueryResult<()> {
    if group != id {
        return Ok(());
    }
    let others = || news_items::table.filter(news_items::group_id.eq(group)).filter(news_items::id.ne(id));
    let first: Option<NewsId> = others().select(diesel::dsl::min(news_items::id)).first(conn)?;
    if let Some(first) = first {
        diesel::update(others()).set(news_items::group_id.eq(first)).execute(conn)?;
        stories_changed(conn, &[first])?;
    }
    Ok(())
}

/// The slugs of the organizations of a story's items (out of the trash): which of them a
/// listing in a language shows depends on all of them.
pub fn story_organizations(conn: &mut DbConn, group: NewsId) -> QueryResult<Vec<String>> {
    use super::schema::organizations::{id, slug, table};
    let items = news_items::table
        .filter(news_items::group_id.eq(group))
        .filter(news_items::deleted_at.is_null())
        .select(news_items::organization_id);
    table.filter(id.nullable().eq_any(items)).select(slug).load(conn)
}

/// After a write to items of `stories`: what is kept of them (counts, the search index's stamp)
/// follows, once for all the writes of a group commit.
fn stories_changed(conn: &mut DbConn, stories: &[NewsId]) -> QueryResult<()> {
    if super::commit::defer_changed(stories) { Ok(()) } else { settle_changed(conn, stories) }
}

/// Brings what is kept of `stories` up to date (`stories_changed`), for a whole batch of writes
/// at once where they are group-committed.
pub fn settle_changed(conn: &mut DbConn, stories: &[NewsId]) -> QueryResult<()> {
    if stories.is_empty() {
        return Ok(());
    }
    counts::settle(conn, stories)?;
    super::indexed::stamp(conn, stories)
}

/// An item's topic and region before a write.
type Filed = (Option<TermId>, Option<TermId>);

/// Announces a change of the item, public or not as it is now; returns whether it was public
/// before and is after.
fn log_change(
    conn: &mut DbConn,
    urls: &MediaUrls,
    view: &NewsView,
    at: NaiveDateTime,
    before: Option<Filed>,
) -> QueryResult<(bool, bool)> {
    let public = view.row.is_public(crate::domain::dates::now().naive_utc());
    let change = Announced { at, public, deed: Deed::Wrote };
    let was_public = announce(conn, urls, view.row.id, change, Some(view), before)?;
    Ok((was_public, public))
}

/// Announces the other public items of the stories `groups` as updated: item `id` came into
/// or left their readers' view, or changed its language or slug, so their `translations` did
/// too. The change feed and webhooks carry them as they read now.
fn tell_story(
    conn: &mut DbConn,
    urls: &MediaUrls,
    groups: &[NewsId],
    id: NewsId,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let now = crate::domain::dates::now().naive_utc();
    let others: Vec<(NewsId, NewsStatus, Option<NaiveDateTime>)> = news_items::table
        .filter(news_items::group_id.eq_any(groups))
        .filter(news_items::deleted_at.is_null())
        .filter(news_items::id.ne(id))
        .select((news_items::id, news_items::status, news_items::published_at))
        .load(conn)?;
    for (other, status, published_at) in others {
        if out_at(status, published_at, now) {
            announce(conn, urls, other, Announced { at, public: true, deed: Deed::Wrote }, None, None)?;
        }
    }
    Ok(())
}

/// A change to announce: when, whether the item is public after it, and what did it.
#[derive(Debug, Clone, Copy)]
struct Announced {
    at: NaiveDateTime,
    public: bool,
    deed: Deed,
}

/// What a write did to an item, as webhooks are told of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deed {
    Wrote,
    Trashed,
}

/// Gives an item the next change number: it is public as it is now, or it has just left
/// public view. A change that anonymous readers cannot see (an edit of a draft, or of an item
/// already withdrawn) takes no number, so neither a repeated tombstone nor a gap in the
/// numbers tells them of work they may not see. Webhooks hear of it in the same transaction:
/// published, updated, unpublished, or deleted (trashed, once partners have seen it). Returns
/// whether the item was public before.
fn announce(
    conn: &mut DbConn,
    urls: &MediaUrls,
    id: NewsId,
    Announced { at, public, deed }: Announced,
    view: Option<&NewsView>,
    before: Option<Filed>,
) -> QueryResult<bool> {
    use news_changes::{change_at, change_seq, ever_public};
    let (was_public, ever, mut seq): (bool, bool, i64) = native!(conn, |c| news_changes::table
        .find(id)
        .select((news_changes::public, news_changes::ever_public, news_changes::change_seq))
        .first(c))?;
    if public || was_public {
        seq = next_change(conn)?;
        native!(conn, |c| diesel::update(news_changes::table.find(id))
            .set((
                change_seq.eq(seq),
                change_at.eq(at),
                news_changes::public.eq(public),
                ever_public.eq(ever_public.or(public.into_sql::<Bool>())),
            ))
            .execute(c))?;
    }
    let event = match (deed, was_public, public) {
        (Deed::Trashed, ..) => ever.then_some(EventType::NewsDeleted),
        (Deed::Wrote, false, true) => Some(EventType::NewsPublished),
        (Deed::Wrote, true, true) => Some(EventType::NewsUpdated),
        (Deed::Wrote, true, false) => Some(EventType::NewsUnpublished),
        (Deed::Wrote, false, false) => None,
    };
    if let Some(event) = event {
        push(conn, urls, id, event, seq, view, before)?;
    }
    Ok(was_public)
}

/// Writes a news event to the webhooks that want it (`view`: the item as this write left
/// it, when the caller has it; `before`: its topic and region before, for filters that chose
/// it by them). Its data: the id, the item as anonymous readers see it (none once it left
/// their view), and the cursor of the change in the change feed.
fn push(
    conn: &mut DbConn,
    urls: &MediaUrls,
    id: NewsId,
    event: EventType,
    seq: i64,
    view: Option<&NewsView>,
    before: Option<Filed>,
) -> QueryResult<()> {
    webhooks::enqueue(conn, event, &format!("news:{id}"), |conn| {
        let now = crate::domain::dates::now();
        let view = match view {
            // Nothing for editors, nothing for partners.
            Some(view) if view.translations.is_empty() => view.clone(),
            // Partners see the translations anonymous readers see.
            Some(view) => {
                let group = translations(conn, &[&view.row], Visibility::Public, now)?.remove(&view.row.group_id);
                NewsView { translations: others(group.unwrap_or_default(), id), ..view.clone() }
            }
            None => {
                let row = news_items::table.find(id).select(NewsRow::as_select()).first(conn)?;
                hydrate(conn, urls, vec![row], Visibility::Public, now)?.pop().ok_or(diesel::result::Error::NotFound)?
            }
        };
        let lang = &view.row.lang;
        let mut about = vec![Subject { topic: view.topic.clone(), region: view.region.clone(), lang: lang.clone() }];
        if let Some((topic, region)) = before.filter(|&b| b != (view.row.topic_id, view.row.region_id)) {
            let slugs: HashMap<TermId, String> =
                super::terms::slugs(conn, &[topic, region].into_iter().flatten().collect::<Vec<_>>())?
                    .into_iter()
                    .collect();
            let slug = |id: Option<TermId>| id.and_then(|id| slugs.get(&id).cloned());
            about.push(Subject { topic: slug(topic), region: slug(region), lang: lang.clone() });
        }
        let public = matches!(event, EventType::NewsPublished | EventType::NewsUpdated);
        let item = public.then(|| view.item());
        Ok((Some(about), EventData { id, item, changes_cursor: seq.to_string() }))
    })
}

/// The `data` of a news event.
#[derive(serde::Serialize)]
struct EventData {
    id: NewsId,
    item: Option<NewsItem>,
    changes_cursor: String,
}

/// Moves an item to the trash.
pub fn trash(conn: &mut DbConn, urls: &MediaUrls, id: NewsId, by: &str) -> QueryResult<()> {
    let now = crate::domain::dates::now().naive_utc();
    let group = diesel::update(news_items::table.find(id))
        .set((news_items::deleted_at.eq(now), news_items::deleted_by.eq(by), news_items::listed_in.eq(0)))
        .returning(news_items::group_id)
        .get_result(conn)?;
    counts::uncount(conn, id)?;
    stories_changed(conn, &[group])?;
    super::indexed::stamp_items(conn, &[id])?;
    if announce(conn, urls, id, Announced { at: now, public: false, deed: Deed::Trashed }, None, None)? {
        tell_story(conn, urls, &[group], id, now)?;
    }
    Ok(())
}

/// Brings an item back from the trash, unchanged.
pub fn untrash(conn: &mut DbConn, urls: &MediaUrls, id: NewsId) -> QueryResult<NewsView> {
    let row: NewsRow = diesel::update(news_items::table.find(id))
        .set((news_items::deleted_at.eq(None::<NaiveDateTime>), news_items::deleted_by.eq(None::<String>)))
        .returning(<NewsRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)?;
    stories_changed(conn, &[row.group_id])?;
    let view = hydrate(conn, urls, vec![row], Visibility::Everything, crate::domain::dates::now())?
        .pop()
        .ok_or(diesel::result::Error::NotFound)?;
    let at = crate::domain::dates::now().naive_utc();
    if log_change(conn, urls, &view, at, None)?.1 {
        tell_story(conn, urls, &[view.row.group_id], id, at)?;
    }
    Ok(view)
}

/// One trashed item.
pub fn find_trashed(conn: &mut DbConn, urls: &MediaUrls, id: NewsId) -> QueryResult<NewsView> {
    let row = news_items::table
        .find(id)
        .filter(news_items::deleted_at.is_not_null())
        .select(NewsRow::as_select())
        .first(conn)?;
    hydrate(conn, urls, vec![row], Visibility::Everything, crate::domain::dates::now())?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// A page of the trash, most recently trashed first, and how many items it holds.
pub fn trashed(conn: &mut DbConn, urls: &MediaUrls, limit: i64, offset: i64) -> QueryResult<(Vec<NewsView>, i64)> {
    let in_trash = || news_items::table.filter(news_items::deleted_at.is_not_null());
    let total = in_trash().count().get_result(conn)?;
    let rows = in_trash()
        .order((news_items::deleted_at.desc(), news_items::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(NewsRow::as_select())
        .load(conn)?;
    Ok((hydrate(conn, urls, rows, Visibility::Everything, crate::domain::dates::now())?, total))
}

/// Deletes a trashed item for good, with its revisions. Its entry in the change feed stays:
/// mirrors that have not caught up still learn of the deletion, and the id is never reused.
/// Webhooks heard `news.deleted` when the item went to the trash: a purge tells them nothing
/// new, and a second event for the same fact would be one they cannot tell from a new one.
pub fn purge(conn: &mut DbConn, id: NewsId) -> QueryResult<()> {
    revisions::forget(conn, Entity::News(id))?;
    diesel::delete(news_items::table.find(id).filter(news_items::deleted_at.is_not_null())).execute(conn).map(drop)
}

fn trashed_before(cutoff: NaiveDateTime) -> news_items::BoxedQuery<'static, Backend> {
    news_items::table.filter(news_items::deleted_at.lt(cutoff)).into_boxed()
}

/// Whether any item was trashed before `cutoff`.
pub fn has_trashed_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<bool> {
    Ok(trashed_before(cutoff).select(news_items::id).first::<NewsId>(conn).optional()?.is_some())
}

/// Purges the items trashed before `cutoff`; returns them.
pub fn purge_trashed_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<Vec<NewsId>> {
    let ids: Vec<NewsId> = trashed_before(cutoff).select(news_items::id).load(conn)?;
    for &id in &ids {
        purge(conn, id)?;
    }
    Ok(ids)
}

/// One entry of the change feed: the item as it is now, or `None` when it left public view.
#[derive(Debug)]
pub struct Change {
    pub seq: i64,
    pub id: NewsId,
    pub at: NaiveDateTime,
    /// The item's language, while it is stored.
    pub lang: Option<String>,
    pub item: Option<NewsView>,
}

/// Whether scheduled items have come due since they were last announced.
/// Whether an item scheduled for after `since` (if given) came due by `now` and is not yet
/// announced.
pub fn has_due(conn: &mut DbConn, now: DateTime<Utc>, since: Option<DateTime<Utc>>) -> QueryResult<bool> {
    Ok(due(now, since).select(news_items::id).first::<NewsId>(conn).optional()?.is_some())
}

/// Published items not yet announced whose time, after `since` (if given), has come by `now`.
/// Bounded by `since`, the public index is walked over those seconds alone (unbounded, over
/// every published item: a quarter of a second at a million items).
fn due(now: DateTime<Utc>, since: Option<DateTime<Utc>>) -> news_items::BoxedQuery<'static, Backend> {
    let unannounced = news_changes::table.filter(news_changes::public.eq(false)).select(news_changes::news_id);
    let mut due = news_items::table
        .filter(news_items::deleted_at.is_null())
        .filter(news_items::status.eq(NewsStatus::Published))
        .filter(news_items::published_at.le(now.naive_utc()))
        .filter(news_items::id.eq_any(unannounced))
        .into_boxed();
    if let Some(since) = since {
        due = due.filter(news_items::published_at.gt(since.naive_utc()));
    }
    due
}

/// Announces the items that became public by the passing of time, in publication order;
/// returns them.
pub fn announce_due(
    conn: &mut DbConn,
    urls: &MediaUrls,
    now: DateTime<Utc>,
    since: Option<DateTime<Utc>>,
) -> QueryResult<Vec<NewsId>> {
    let items: Vec<(NewsId, Option<NaiveDateTime>, NewsId)> = due(now, since)
        .order((news_items::published_at.asc(), news_items::id.asc()))
        .select((news_items::id, news_items::published_at, news_items::group_id))
        .load(conn)?;
    for &(id, published_at, group) in &items {
        let at = published_at.unwrap_or_else(|| now.naive_utc());
        announce(conn, urls, id, Announced { at, public: true, deed: Deed::Wrote }, None, None)?;
        tell_story(conn, urls, &[group], id, at)?;
    }
    Ok(items.into_iter().map(|(id, ..)| id).collect())
}

/// Up to `limit` changes that anonymous readers could observe after change number `since`,
/// oldest first, and whether more follow.
pub fn changes(conn: &mut DbConn, urls: &MediaUrls, since: i64, limit: i64) -> QueryResult<(Vec<Change>, bool)> {
    // One read transaction: the items must be read as of the changes that name them.
    conn.transaction(|conn| {
        let mut entries: Vec<(i64, NewsId, NaiveDateTime, bool)> = news_changes::table
            .filter(news_changes::change_seq.gt(since))
            .filter(news_changes::public.or(news_changes::ever_public))
            .order(news_changes::change_seq.asc())
            .limit(limit + 1)
            .select((news_changes::change_seq, news_changes::news_id, news_changes::change_at, news_changes::public))
            .load(conn)?;
        let has_more = entries.len() as i64 > limit;
        entries.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let public_ids: Vec<NewsId> = entries.iter().filter(|e| e.3).map(|e| e.1).collect();
        let rows =
            news_items::table.filter(news_items::id.eq_any(&public_ids)).select(NewsRow::as_select()).load(conn)?;
        let now = crate::domain::dates::now();
        let mut items: HashMap<NewsId, NewsView> =
            hydrate(conn, urls, rows, Visibility::Public, now)?.into_iter().map(|v| (v.row.id, v)).collect();
        let gone: Vec<NewsId> = entries.iter().filter(|e| !e.3).map(|e| e.1).collect();
        let mut langs: HashMap<NewsId, String> = news_items::table
            .filter(news_items::id.eq_any(&gone))
            .select((news_items::id, news_items::lang))
            .load::<(NewsId, String)>(conn)?
            .into_iter()
            .collect();
        let changes = entries
            .into_iter()
            .map(|(seq, id, at, public)| {
                let item = if public { items.remove(&id) } else { None };
                let lang = item.as_ref().map(|view| view.row.lang.clone()).or_else(|| langs.remove(&id));
                Change { seq, id, at, lang, item }
            })
            .collect();
        Ok((changes, has_more))
    })
}

/// Sets item `id`'s tags to `tags`.
fn replace_tags(conn: &mut DbConn, id: NewsId, tags: &[String]) -> QueryResult<()> {
    native!(conn, |c| diesel::delete(news_tags::table.filter(news_tags::news_id.eq(id))).execute(c))?;
    add_tags(conn, id, tags)
}

/// Tags item `id` with `tags` (none of which it has), in one statement.
fn add_tags(conn: &mut DbConn, id: NewsId, tags: &[String]) -> QueryResult<()> {
    if tags.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = tags.iter().map(|tag| (news_tags::news_id.eq(id), news_tags::tag.eq(tag))).collect();
    native!(conn, |c| diesel::insert_into(news_tags::table).values(&rows).execute(c)).map(drop)
}

/// Loads what the rows reference, and the other items of their groups that `seen_by` may see
/// at `now`.
fn hydrate(
    conn: &mut DbConn,
    urls: &MediaUrls,
    rows: Vec<NewsRow>,
    seen_by: Visibility,
    now: DateTime<Utc>,
) -> QueryResult<Vec<NewsView>> {
    let wanted = Wanted {
        items: rows.iter().map(|r| r.id.0).collect(),
        terms: rows.iter().flat_map(|r| [r.topic_id, r.region_id]).flatten().map(|id| id.0).collect(),
        organizations: rows.iter().filter_map(|r| r.organization_id).map(|id| id.0).collect(),
        authors: rows.iter().filter_map(|r| r.author_id).map(|id| id.0).collect(),
        stories: rows.iter().map(|r| r.group_id.0).collect(),
    };
    let Referenced { mut tags, terms, organizations, authors, stories } = references(conn, &wanted, seen_by, now)?;
    let image_ids: Vec<MediaId> = rows.iter().filter_map(|r| r.image_id).collect();
    let images = super::media::shown(conn, urls, &image_ids)?;
    Ok(rows
        .into_iter()
        .map(|row| NewsView {
            topic: row.topic_id.and_then(|id| terms.get(&id).cloned()),
            region: row.region_id.and_then(|id| terms.get(&id).cloned()),
            author: row.author_id.and_then(|id| authors.get(&id).cloned()),
            organization: row.organization_id.and_then(|id| organizations.get(&id).cloned()),
            tags: tags.remove(&row.id).unwrap_or_default(),
            translations: stories.get(&row.group_id).map(|g| others(g.clone(), row.id)).unwrap_or_default(),
            image: row.image_id.and_then(|id| images.get(&id).cloned()),
            row,
        })
        .collect())
}

/// The ids `references` looks up.
#[derive(Debug, Default)]
struct Wanted {
    /// Items whose tags to read.
    items: Vec<i64>,
    terms: Vec<i64>,
    organizations: Vec<i64>,
    authors: Vec<i64>,
    /// Groups whose items to read.
    stories: Vec<i64>,
}

/// What `references` found.
#[derive(Debug, Default)]
struct Referenced {
    tags: HashMap<NewsId, Vec<String>>,
    terms: HashMap<TermId, String>,
    organizations: HashMap<OrganizationId, String>,
    authors: HashMap<AuthorId, AuthorRow>,
    /// The items of each group that the reader may see, by language.
    stories: HashMap<NewsId, Vec<(NewsId, Translation)>>,
}

/// One row of `references`: each part of its statement selects these columns, and leaves
/// empty those it has no use for.
#[derive(Debug, Queryable)]
struct Reference {
    part: i32,
    /// The tagged item, the term, organization or author, or the group.
    id: i64,
    /// A group's item.
    member: i64,
    /// A tag, a slug, an author's name, or a group item's language.
    text: String,
    /// An author's title, or a group item's slug.
    second: String,
    bio: String,
    created_at: Option<NaiveDateTime>,
    updated_at: Option<NaiveDateTime>,
    /// Whether a group's item is out for anonymous readers.
    public: Option<bool>,
}

/// The parts of `references`, by the number each selects as its first column.
const TAGS: i32 = 0;
const TERMS: i32 = 1;
const ORGANIZATIONS: i32 = 2;
const AUTHORS: i32 = 3;
const STORIES: i32 = 4;

/// Everything `wanted` names, in one statement: on PostgreSQL each statement is a round trip,
/// and a page computed anew made one for each kind of reference.
fn references(conn: &mut DbConn, wanted: &Wanted, seen_by: Visibility, now: DateTime<Utc>) -> QueryResult<Referenced> {
    let part = |n: i32| sql::<Integer>(&n.to_string());
    let no_id = || sql::<BigInt>("0");
    let no_text = || sql::<Text>("''");
    let no_time = || sql::<Nullable<Timestamp>>("CAST(NULL AS TIMESTAMP)");
    let no_flag = || sql::<Nullable<Bool>>("CAST(NULL AS BOOLEAN)");
    let of_items = super::one_of(conn, "news_tags.news_id", wanted.items.iter().copied());
    let of_terms = super::one_of(conn, "terms.id", wanted.terms.iter().copied());
    let of_orgs = super::one_of(conn, "organizations.id", wanted.organizations.iter().copied());
    let of_authors = super::one_of(conn, "authors.id", wanted.authors.iter().copied());
    let of_groups = super::one_of(conn, "news_items.group_id", wanted.stories.iter().copied());
    let published: &str = NewsStatus::Published.into();
    // Judged by the database: parsing each item's status and time here cost more than the
    // query (a listing in four languages reads four items of each story shown). The group's
    // items are looked up by its index alone, then sorted out here: with the conditions of
    // public view in the query, SQLite's planner walked the public index instead.
    let out = news_items::status.eq(published).and(news_items::published_at.le(now.naive_utc()));
    let found: Vec<Reference> = native!(conn, |c| super::kept::Kept(
        news_tags::table
            .filter(of_items)
            .select((
                part(TAGS),
                news_tags::news_id,
                no_id(),
                news_tags::tag,
                no_text(),
                no_text(),
                no_time(),
                no_time(),
                no_flag()
            ))
            .union_all(terms::table.filter(of_terms).select((
                part(TERMS),
                terms::id,
                no_id(),
                terms::slug,
                no_text(),
                no_text(),
                no_time(),
                no_time(),
                no_flag()
            )))
            .union_all(organizations::table.filter(of_orgs).select((
                part(ORGANIZATIONS),
                organizations::id,
                no_id(),
                organizations::slug,
                no_text(),
                no_text(),
                no_time(),
                no_time(),
                no_flag()
            )))
            .union_all(authors::table.filter(of_authors).select((
                part(AUTHORS),
                authors::id,
                no_id(),
                authors::name,
                authors::title,
                authors::bio,
                authors::created_at.nullable(),
                authors::updated_at.nullable(),
                no_flag()
            )))
            .union_all(news_items::table.filter(of_groups).filter(news_items::deleted_at.is_null()).select((
                part(STORIES),
                news_items::group_id,
                news_items::id,
                news_items::lang,
                news_items::slug,
                no_text(),
                no_time(),
                no_time(),
                out
            )))
    )
    .load(c))?;
    let mut referenced = Referenced::default();
    for row in found {
        match row.part {
            TAGS => referenced.tags.entry(NewsId(row.id)).or_default().push(row.text),
            TERMS => _ = referenced.terms.insert(TermId(row.id), row.text),
            ORGANIZATIONS => _ = referenced.organizations.insert(OrganizationId(row.id), row.text),
            AUTHORS => {
                let (Some(created_at), Some(updated_at)) = (row.created_at, row.updated_at) else { continue };
                let author = AuthorRow {
                    id: AuthorId(row.id),
                    name: row.text,
                    title: row.second,
                    bio: row.bio,
                    created_at,
                    updated_at,
                };
                referenced.authors.insert(author.id, author);
            }
            STORIES if seen_by == Visibility::Everything || row.public == Some(true) => {
                let (id, lang, slug) = (NewsId(row.member), row.text, row.second);
                referenced.stories.entry(NewsId(row.id)).or_default().push((id, Translation { lang, id, slug }));
            }
            _ => {}
        }
    }
    referenced.tags.values_mut().for_each(|tags| tags.sort_unstable());
    referenced.stories.values_mut().for_each(|items| items.sort_unstable_by(|a, b| a.1.lang.cmp(&b.1.lang)));
    Ok(referenced)
}

/// When what anonymous readers see of the news last changed, from public rows only: the
/// newest change they could observe (an edit, a publication, a withdrawal) or the latest
/// publication that has come (a scheduled item comes out without any write).
pub fn public_changed_at(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<Option<NaiveDateTime>> {
    let latest: Option<NaiveDateTime> = published()
        .filter(news_items::published_at.le(now.naive_utc()))
        .select(diesel::dsl::max(news_items::published_at))
        .first(conn)?;
    let change: Option<NaiveDateTime> = news_changes::table
        .filter(news_changes::public.or(news_changes::ever_public))
        .filter(news_changes::change_at.le(now.naive_utc()))
        .order(news_changes::change_seq.desc())
        .select(news_changes::change_at)
        .first(conn)
        .optional()?;
    Ok(latest.max(change))
}

/// The first publication still to come after `now` (of a scheduled item).
pub fn next_publication(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<Option<NaiveDateTime>> {
    published()
        .filter(news_items::published_at.gt(now.naive_utc()))
        .select(diesel::dsl::min(news_items::published_at))
        .first(conn)
}

/// Items that are or will be public: published and not in the trash.
#[diesel::dsl::auto_type]
fn published() -> _ {
    let status: NewsStatus = NewsStatus::Published;
    news_items::table.filter(news_items::status.eq(status)).filter(news_items::deleted_at.is_null())
}
