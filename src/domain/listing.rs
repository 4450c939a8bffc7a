//! The news listing query: filters, order, page size and the opaque cursor, parsed from
//! query parameters into values the store can run.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::dates::{self, DateOrInstant, Period, TimeRange};
use super::ids::{AuthorId, NewsId, OrganizationId};
use super::language::{self, Asked, Choice, Languages};
use super::news::{FIELDS, NewsStatus};
use super::params::{any_of, bounded, once, parsed};
use super::words::Analyzer;
use crate::error::ApiError;

pub const DEFAULT_LIMIT: u64 = 20;
pub const MAX_LIMIT: u64 = 100;

/// Paging by offset of the short lists (the trash, revisions), as sent.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OffsetParams {
    /// Entries per page.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    #[serde(default, deserialize_with = "once")]
    limit: Option<String>,
    /// 1-based page number.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000, default = 1)]
    #[serde(default, deserialize_with = "once")]
    page: Option<String>,
}

/// One page of a list paged by offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u64,
    /// 1-based.
    pub page: u64,
}

impl Page {
    pub fn new(params: &OffsetParams) -> Result<Self, ApiError> {
        let limit = parsed("limit", params.limit.as_deref(), |v| bounded(v, 1, MAX_LIMIT))?.unwrap_or(DEFAULT_LIMIT);
        let page = parsed("page", params.page.as_deref(), |v| bounded(v, 1, 1_000_000))?.unwrap_or(1);
        Ok(Self { limit, page })
    }

    /// Rows skipped before this page (both numbers are bounded, far below `i64::MAX`).
    pub fn offset(self) -> i64 {
        i64::try_from((self.page - 1) * self.limit).unwrap_or(i64::MAX)
    }

    pub fn size(self) -> i64 {
        i64::try_from(self.limit).unwrap_or(i64::MAX)
    }
}

/// Filters shared by the listing, the archive and the feeds, as sent (`NewsFilter::new`
/// reads them).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilterParams {
    /// Inclusive lower bound on `published_at`: a date (read in `tz`) or an RFC 3339 instant.
    #[param(
        example = "2023-06-01",
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    #[serde(default, deserialize_with = "once")]
    pub from: Option<String>,
    /// Inclusive upper bound on `published_at`; a date covers that whole day.
    #[param(
        example = "2023-06-30",
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    #[serde(default, deserialize_with = "once")]
    pub to: Option<String>,
    /// One calendar period: a day, a month or a year.
    #[param(example = "2023-06", pattern = r"^\d{4}(-\d{2}(-\d{2})?)?$")]
    #[serde(default, deserialize_with = "once")]
    pub on: Option<String>,
    /// IANA zone in which date-only values are read.
    #[param(example = "Europe/Paris", default = "UTC", pattern = r"^[A-Za-z]+(/[A-Za-z0-9_+-]+){0,2}$")]
    #[serde(default, deserialize_with = "once")]
    pub tz: Option<String>,
    /// Only items changed after this instant.
    #[param(example = "2023-06-01T00:00:00Z", format = DateTime)]
    #[serde(default, deserialize_with = "once")]
    pub updated_since: Option<String>,
    /// Topic slugs; repeat or comma-separate for any of them.
    #[param(value_type = Option<String>, example = "terrorism,cybercrime", pattern = r"^[a-z0-9-]+(,[a-z0-9-]+)*$")]
    #[serde(default)]
    pub topic: Vec<String>,
    /// Region slugs; any of them.
    #[param(value_type = Option<String>, example = "africa", pattern = r"^[a-z0-9-]+(,[a-z0-9-]+)*$")]
    #[serde(default)]
    pub region: Vec<String>,
    /// Author ids; any of them.
    #[param(value_type = Option<String>, example = "1", pattern = r"^[0-9]{1,18}(,[0-9]{1,18})*$")]
    #[serde(default)]
    pub author: Vec<String>,
    /// Tags; any of them.
    #[param(value_type = Option<String>, example = "operation", pattern = r"^[^,\u0000-\u001F\u007F-\u009F]+(,[^,\u0000-\u001F\u007F-\u009F]+)*$")]
    #[serde(default)]
    pub tag: Vec<String>,
    /// Statuses (`draft`, `published`, `archived`); any of them.
    #[param(value_type = Option<String>, example = "published", pattern = r"^(draft|published|archived)(,(draft|published|archived))*$")]
    #[serde(default)]
    pub status: Vec<String>,
    /// Full-text search over title, summary and body; every word must match (at least one
    /// letter or digit is needed: punctuation is ignored).
    #[param(example = "trafficking", pattern = r"\S")]
    #[serde(default, deserialize_with = "once")]
    pub q: Option<String>,
    /// Languages to show, best first (`fr`, or `fr,en`): each story once, in the first of them
    /// it is written in, then in the site's fallback order. Without it, the `Accept-Language`
    /// header chooses (not for feeds); without either, every item in every language.
    #[param(example = "fr", pattern = r"^[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*$")]
    #[serde(default, deserialize_with = "once")]
    pub lang: Option<String>,
    /// `none`: only the languages asked for, no fallback to the site's others; `site` (default)
    /// falls back.
    #[param(example = "none", default = "site", pattern = r"^(none|site)$")]
    #[serde(default, deserialize_with = "once")]
    pub fallback: Option<String>,
}

/// Ordering and paging of the listing, as sent (`NewsQuery::new` reads them).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// `-published_at` (default; best match first when searching), `published_at`, `title`,
    /// `-title`, `-updated_at`, `updated_at`.
    #[param(example = "-published_at", pattern = r"^-?(published_at|title|updated_at)$")]
    #[serde(default, deserialize_with = "once")]
    pub sort: Option<String>,
    /// Items per page.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20, example = 20)]
    #[serde(default, deserialize_with = "once")]
    pub limit: Option<String>,
    /// Opaque `next_cursor` of the previous page; a page costs the same at any depth.
    #[param(pattern = r"^[A-Za-z0-9_-]+$")]
    #[serde(default, deserialize_with = "once")]
    pub cursor: Option<String>,
    /// 1-based page number (offset paging); not with `cursor`.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000, example = 1)]
    #[serde(default, deserialize_with = "once")]
    pub page: Option<String>,
    /// Comma list of fields to return.
    #[param(
        example = "id,title,published_at",
        pattern = r"^(id|slug|title|summary|body|topic|region|tags|author|organization|status|published_at|reading_time_seconds|created_at|updated_at|lang|dir|translations)(,(id|slug|title|summary|body|topic|region|tags|author|organization|status|published_at|reading_time_seconds|created_at|updated_at|lang|dir|translations))*$"
    )]
    #[serde(default, deserialize_with = "once")]
    pub fields: Option<String>,
}

/// Which items a listing, an archive or a feed covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NewsFilter {
    pub range: TimeRange,
    pub updated_since: Option<DateTime<Utc>>,
    pub topics: Vec<String>,
    pub regions: Vec<String>,
    pub authors: Vec<AuthorId>,
    pub tags: Vec<String>,
    pub statuses: Vec<NewsStatus>,
    pub search: Option<SearchTerms>,
    /// The zone in which date-only values were read (and archive periods are labelled).
    pub tz: Tz,
    /// Only this organization's items (set by the organization's own listing).
    pub organization: Option<OrganizationId>,
    /// The languages shown, best first, each story once; `None`: every item.
    pub languages: Option<Choice>,
    /// Who chose the languages.
    pub asked: Asked,
}

impl NewsFilter {
    /// Reads the filters a client sent; `accept_language` holds the ranges of its
    /// `Accept-Language` header, best first, where that header may choose.
    pub fn new(p: &FilterParams, site: &Languages, accept_language: Option<&[String]>) -> Result<Self, ApiError> {
        let (languages, asked) = language::negotiate(site, p.lang.as_deref(), p.fallback.as_deref(), accept_language)?;
        let tz = parsed("tz", p.tz.as_deref(), dates::parse_tz)?.unwrap_or(Tz::UTC);
        let from = parsed("from", p.from.as_deref(), DateOrInstant::parse)?;
        let to = parsed("to", p.to.as_deref(), DateOrInstant::parse)?;
        let on = parsed("on", p.on.as_deref(), Period::parse)?;
        let range = TimeRange::new(from, to, on, tz).map_err(|message| ApiError::bad_param("from", message))?;
        Ok(Self {
            range,
            updated_since: parsed("updated_since", p.updated_since.as_deref(), dates::parse_instant)?,
            topics: any_of("topic", &p.topic, slug_shaped)?,
            regions: any_of("region", &p.region, slug_shaped)?,
            authors: any_of("author", &p.author, |s| {
                s.parse().map_err(|_| "expected author ids (integers)".to_owned())
            })?,
            tags: any_of("tag", &p.tag, |s| super::text::Tag::parse(s.to_owned()).map(super::text::Tag::into_string))?,
            statuses: any_of("status", &p.status, super::one_of::<NewsStatus>)?,
            search: parsed("q", p.q.as_deref(), |q| SearchTerms::parse(q, site))?,
            tz,
            organization: None,
            languages,
            asked,
        })
    }
}

/// A value that could be a slug (one that names nothing simply matches nothing).
fn slug_shaped(s: &str) -> Result<String, String> {
    if s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        Ok(s.to_owned())
    } else {
        Err("expected slugs (a-z, 0-9 and -), comma-separated".into())
    }
}

/// The words of a full-text search, stripped of any query syntax so that user input can
/// never be read as operators, as each of the site's languages stems them: an item matches
/// when it has every word as its own language stems it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchTerms(Vec<(String, Vec<String>)>);

impl SearchTerms {
    pub fn parse(q: &str, site: &Languages) -> Result<Self, String> {
        let words: Vec<&str> = q.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(16).collect();
        if words.is_empty() {
            return Err("expected at least one word to search for".into());
        }
        let stemmed = |lang: &String| {
            let analyzer = Analyzer::new(lang);
            let mut stems: Vec<String> = words.iter().map(|w| analyzer.word(w)).collect();
            stems.dedup();
            (lang.clone(), stems)
        };
        Ok(Self(site.all().iter().map(stemmed).collect()))
    }

    /// Each site language, with the words as it stems them (letters and digits only).
    pub fn by_language(&self) -> &[(String, Vec<String>)] {
        &self.0
    }
}

/// A column a listing can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    PublishedAt,
    Title,
    UpdatedAt,
}

/// How listed items are ordered. The id always breaks ties, in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Order {
    By {
        key: SortKey,
        descending: bool,
    },
    /// Best full-text matches first: the default when searching without `sort`.
    Relevance,
}

impl Order {
    pub const FORM: &'static str =
        "expected one of -published_at, published_at, title, -title, -updated_at, updated_at";

    pub fn parse(s: &str) -> Result<Self, String> {
        let (descending, name) = s.strip_prefix('-').map_or((false, s), |rest| (true, rest));
        let key = match name {
            "published_at" => SortKey::PublishedAt,
            "title" => SortKey::Title,
            "updated_at" => SortKey::UpdatedAt,
            _ => return Err(Self::FORM.into()),
        };
        Ok(Self::By { key, descending })
    }
}

/// A sort-key value that a cursor resumes after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortValue {
    Time(Option<DateTime<Utc>>),
    Text(String),
}

/// Where the next page starts. Opaque to clients: base64url of a small JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cursor {
    /// After this row in this order: the page costs the same at any depth.
    After { order: Order, value: SortValue, id: NewsId },
    /// After this many rows (relevance order, whose keys are not stable).
    Skip { order: Order, offset: u64 },
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(s: &str) -> Result<Self, String> {
        URL_SAFE_NO_PAD.decode(s).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).ok_or_else(|| {
            "is not a cursor from this API; pass `next_cursor` of the previous page unchanged".to_owned()
        })
    }

    fn order(&self) -> Order {
        match self {
            Self::After { order, .. } | Self::Skip { order, .. } => *order,
        }
    }
}

/// Which page of the ordered items to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    After { value: SortValue, id: NewsId },
    Offset(u64),
}

/// A complete listing request.
#[derive(Debug, Clone)]
pub struct NewsQuery {
    pub filter: NewsFilter,
    pub order: Order,
    pub limit: u64,
    pub paging: Paging,
    /// The 1-based page number when the client pages by number.
    pub page: Option<u64>,
    /// `None`: every field.
    pub fields: Option<Vec<String>>,
}

impl NewsQuery {
    /// Reads how a listing of the items `filter` chooses is ordered and paged.
    pub fn new(filter: NewsFilter, p: &PageParams) -> Result<Self, ApiError> {
        let sort = parsed("sort", p.sort.as_deref(), Order::parse)?;
        let order = match (sort, &filter.search) {
            (Some(order), _) => order,
            (None, Some(_)) => Order::Relevance,
            (None, None) => Order::By { key: SortKey::PublishedAt, descending: true },
        };
        let limit = parsed("limit", p.limit.as_deref(), |s| bounded(s, 1, MAX_LIMIT))?.unwrap_or(DEFAULT_LIMIT);
        let cursor = parsed("cursor", p.cursor.as_deref(), Cursor::decode)?;
        let page = parsed("page", p.page.as_deref(), |s| bounded(s, 1, 1_000_000))?;
        let paging = match (cursor, page) {
            (Some(_), Some(_)) => return Err(ApiError::bad_param("page", "cannot be combined with `cursor`")),
            (Some(cursor), None) if cursor.order() != order => {
                return Err(ApiError::bad_param(
                    "cursor",
                    "was issued for another `sort`; keep the same `sort` while paging",
                ));
            }
            (Some(Cursor::After { value, id, .. }), None) => Paging::After { value, id },
            (Some(Cursor::Skip { offset, .. }), None) => Paging::Offset(offset),
            (None, Some(page)) => Paging::Offset((page - 1) * limit),
            (None, None) => Paging::Offset(0),
        };
        let fields = parsed("fields", p.fields.as_deref(), parse_fields)?;
        Ok(Self { filter, order, limit, paging, page, fields })
    }

    /// The cursor of the page after one that ended with this row (`offset_end` rows in).
    pub fn next_cursor(&self, last: (SortValue, NewsId), offset_end: u64) -> Cursor {
        match self.order {
            Order::Relevance => Cursor::Skip { order: self.order, offset: offset_end },
            order => Cursor::After { order, value: last.0, id: last.1 },
        }
    }
}

fn parse_fields(s: &str) -> Result<Vec<String>, String> {
    let fields: Vec<String> = s.split(',').map(|f| f.trim().to_owned()).collect();
    match fields.iter().find(|f| !FIELDS.contains(&f.as_str())) {
        Some(unknown) => Err(format!("unknown field `{unknown}`; expected a comma list of {}", FIELDS.join(", "))),
        None => Ok(fields),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str) -> Result<NewsQuery, ApiError> {
        let (filter, page) = super::super::params::read_both::<FilterParams, PageParams>(q)?;
        NewsQuery::new(NewsFilter::new(&filter, &Languages::default(), None)?, &page)
    }

    #[test]
    fn defaults() {
        let q = query("").unwrap();
        assert_eq!(q.limit, 20);
        assert_eq!(q.order, Order::By { key: SortKey::PublishedAt, descending: true });
        assert_eq!(q.paging, Paging::Offset(0));
    }

    #[test]
    fn searching_orders_by_relevance_unless_sorted() {
        assert_eq!(query("q=police").unwrap().order, Order::Relevance);
        assert_eq!(query("q=police&sort=title").unwrap().order, Order::By { key: SortKey::Title, descending: false });
    }

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let cursor = Cursor::After {
            order: Order::parse("-published_at").unwrap(),
            value: SortValue::Time(None),
            id: NewsId(7),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor.clone()));
        assert!(Cursor::decode("bm90IGpzb24").is_err());
        let err = query(&format!("sort=title&cursor={}", cursor.encode())).unwrap_err();
        assert!(err.to_string().contains("`cursor`"));
    }

    #[test]
    fn bad_parameters_are_named() {
        for (q, param) in [
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("page=0", "page"),
            ("sort=-views", "sort"),
            ("fields=id,nope", "fields"),
            ("q=%22%22", "q"),
            ("from=2023-06-10&to=2023-06-01", "from"),
            ("tz=Mars/Olympus", "tz"),
            ("author=robert", "author"),
            ("status=deleted", "status"),
            ("topic=0.5", "topic"),
            ("tag=%07bell", "tag"),
            ("region=Africa", "region"),
            ("page=2&cursor=abc", "cursor"),
        ] {
            let err = query(q).unwrap_err();
            assert!(err.to_string().contains(&format!("`{param}`")), "{q}: {err}");
        }
    }

    /// A date, an instant or a period, with any digits: many are not real dates.
    const DATE_SHAPED: &str =
        "[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2}))?)?)?";

    proptest::proptest! {
        /// Whatever the query string, the listing's parser gives a query or a 400.
        #[test]
        fn any_query_string_is_read_or_refused(q in "\\PC{0,300}") {
            if let Err(err) = query(&q) {
                proptest::prop_assert_eq!(actix_web::ResponseError::status_code(&err).as_u16(), 400);
            }
        }

        /// Dates at the edges of the calendar, in any zone, never overflow.
        #[test]
        fn any_date_bounds_are_read_or_refused(
            from in DATE_SHAPED, to in DATE_SHAPED, on in DATE_SHAPED,
            tz in proptest::sample::select(vec!["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Paris"]),
        ) {
            for q in [format!("from={from}&to={to}&tz={tz}"), format!("on={on}&tz={tz}"), format!("to={to}&on={on}")] {
                if let Err(err) = query(&q.replace('+', "%2B")) {
                    proptest::prop_assert_eq!(actix_web::ResponseError::status_code(&err).as_u16(), 400);
                }
            }
        }

        /// A forged or mangled cursor is refused by name, never trusted.
        #[test]
        fn any_cursor_is_read_or_refused(cursor in "[A-Za-z0-9_-]{0,400}") {
            if let Err(err) = query(&format!("cursor={cursor}")) {
                proptest::prop_assert!(err.to_string().contains("`cursor`"), "{}", err);
            }
        }

        /// Every cursor this API issues reads back as itself.
        #[test]
        fn issued_cursors_round_trip(title in "\\PC{0,300}", id: i64, offset: u64, descending: bool) {
            let order = Order::By { key: SortKey::Title, descending };
            for cursor in [Cursor::After { order, value: SortValue::Text(title.clone()), id: NewsId(id) }, Cursor::Skip { order, offset }] {
                proptest::prop_assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
            }
        }
    }

    #[test]
    fn search_terms_drop_syntax() {
        let site = Languages::parse("en,fr").unwrap();
        let terms = SearchTerms::parse("\"Cyber\" OR NEAR(crimes*)", &site).unwrap();
        assert_eq!(
            terms.by_language()[0],
            ("en".to_owned(), ["cyber", "or", "near", "crime"].map(String::from).to_vec())
        );
        assert_eq!(terms.by_language()[1].0, "fr");
    }
}
