//! The news listing query: filters, order, page size and the opaque cursor, parsed from
//! query parameters into values the store can run.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::dates::{self, DateOrInstant, Period, TimeRange};
use super::news::{FIELDS, NewsStatus};
use super::params::{QueryParams, bounded};
use crate::error::ApiError;

pub const DEFAULT_LIMIT: u64 = 20;
pub const MAX_LIMIT: u64 = 100;

/// Which items a listing, an archive or a feed covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NewsFilter {
    pub range: TimeRange,
    pub updated_since: Option<DateTime<Utc>>,
    pub topics: Vec<String>,
    pub regions: Vec<String>,
    pub authors: Vec<i64>,
    pub tags: Vec<String>,
    pub statuses: Vec<NewsStatus>,
    pub search: Option<SearchTerms>,
    /// The zone in which date-only values were read (and archive periods are labelled).
    pub tz: Tz,
    /// Only this organization's items (set by the organization's own listing).
    pub organization: Option<i64>,
}

impl NewsFilter {
    /// Names of the filter parameters, for error messages.
    pub const PARAMS: &'static str = "from, to, on, tz, updated_since, topic, region, author, tag, status, q";

    pub fn take(params: &mut QueryParams) -> Result<Self, ApiError> {
        let tz = params.parsed("tz", dates::parse_tz)?.unwrap_or(Tz::UTC);
        let from = params.parsed("from", DateOrInstant::parse)?;
        let to = params.parsed("to", DateOrInstant::parse)?;
        let on = params.parsed("on", Period::parse)?;
        let range = TimeRange::new(from, to, on, tz).map_err(|message| ApiError::bad_param("from", message))?;
        Ok(Self {
            range,
            updated_since: params.parsed("updated_since", dates::parse_instant)?,
            topics: params.any_of("topic", slug_shaped)?,
            regions: params.any_of("region", slug_shaped)?,
            authors: params.any_of("author", |s| s.parse().map_err(|_| "expected author ids (integers)".to_owned()))?,
            tags: params.any_of("tag", |s| super::text::Tag::check(s).map(|()| s.to_owned()))?,
            statuses: params.any_of("status", super::one_of::<NewsStatus>)?,
            search: params.parsed("q", SearchTerms::parse)?,
            tz,
            organization: None,
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
/// never be read as operators.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchTerms(Vec<String>);

impl SearchTerms {
    pub fn parse(q: &str) -> Result<Self, String> {
        let words: Vec<String> =
            q.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(16).map(str::to_lowercase).collect();
        if words.is_empty() {
            return Err("expected at least one word to search for".into());
        }
        Ok(Self(words))
    }

    pub fn words(&self) -> &[String] {
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
    After { order: Order, value: SortValue, id: i64 },
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
    After { value: SortValue, id: i64 },
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
    pub const PARAMS: &'static str = "sort, limit, cursor, page, fields";

    pub fn take(params: &mut QueryParams) -> Result<Self, ApiError> {
        let filter = NewsFilter::take(params)?;
        let sort = params.parsed("sort", Order::parse)?;
        let order = match (sort, &filter.search) {
            (Some(order), _) => order,
            (None, Some(_)) => Order::Relevance,
            (None, None) => Order::By { key: SortKey::PublishedAt, descending: true },
        };
        let limit = params.parsed("limit", |s| bounded(s, 1, MAX_LIMIT))?.unwrap_or(DEFAULT_LIMIT);
        let cursor = params.parsed("cursor", Cursor::decode)?;
        let page = params.parsed("page", |s| bounded(s, 1, 1_000_000))?;
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
        let fields = params.parsed("fields", parse_fields)?;
        Ok(Self { filter, order, limit, paging, page, fields })
    }

    /// The cursor of the page after one that ended with this row (`offset_end` rows in).
    pub fn next_cursor(&self, last: (SortValue, i64), offset_end: u64) -> Cursor {
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
        let mut params = QueryParams::parse(q)?;
        let query = NewsQuery::take(&mut params)?;
        params.finish("")?;
        Ok(query)
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
        let cursor =
            Cursor::After { order: Order::parse("-published_at").unwrap(), value: SortValue::Time(None), id: 7 };
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
            for cursor in [Cursor::After { order, value: SortValue::Text(title.clone()), id }, Cursor::Skip { order, offset }] {
                proptest::prop_assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
            }
        }
    }

    #[test]
    fn search_terms_drop_syntax() {
        let terms = SearchTerms::parse("\"cyber\" OR NEAR(crime*)").unwrap();
        assert_eq!(terms.words(), ["cyber", "or", "near", "crime"]);
    }
}
