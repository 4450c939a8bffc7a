//! Dates and periods of the listing filters, read in a time zone and turned into UTC
//! half-open ranges `[start, end)` that the store compares with `published_at`.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

/// What a `from`/`to` value may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrInstant {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

pub const DATE_OR_INSTANT_FORM: &str = "expected a date (2023-06-01) or an RFC 3339 instant (2023-06-01T14:30:00Z)";
pub const INSTANT_FORM: &str = "expected an RFC 3339 instant (2023-06-01T14:30:00Z)";
pub const PERIOD_FORM: &str = "expected a day (2023-06-09), a month (2023-06) or a year (2023)";

impl DateOrInstant {
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Ok(date) = parse_date(s) {
            return Ok(Self::Date(date));
        }
        parse_instant(s).map(Self::Instant).map_err(|_| DATE_OR_INSTANT_FORM.to_owned())
    }
}

/// Parses an RFC 3339 instant with any offset into UTC, keeping microseconds (the precision
/// every backend stores).
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| truncate_to_micros(t.with_timezone(&Utc)))
        .map_err(|_| INSTANT_FORM.to_owned())
}

fn parse_date(s: &str) -> Result<NaiveDate, ()> {
    // Exactly YYYY-MM-DD: chrono alone would also take "2023-6-1" or "+2023-06-01".
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| matches!(i, 4 | 7) == (b == b'-') && (b == b'-' || b.is_ascii_digit()));
    if !shape {
        return Err(());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ())
}

/// An RFC 3339 instant with any offset, stored in UTC.
#[derive(Debug, Clone, Copy)]
pub struct Instant(pub DateTime<Utc>);

impl From<DateTime<Utc>> for Instant {
    fn from(t: DateTime<Utc>) -> Self {
        Self(t)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let text = String::deserialize(de)?;
        parse_instant(&text).map(Instant).map_err(serde::de::Error::custom)
    }
}

/// Drops sub-microsecond digits so that what is stored compares equal to what was sent.
pub fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.timestamp_subsec_nanos();
    t - Duration::nanoseconds(i64::from(nanos % 1_000))
}

/// The current instant at the precision of the store.
pub fn now() -> DateTime<Utc> {
    truncate_to_micros(Utc::now())
}

/// Later than any stored instant: once every scheduled item is public. (Not chrono's largest,
/// which SQLite, comparing timestamps as text, would sort before the year 1000.)
pub const EVENTUALLY: DateTime<Utc> = DateTime::from_naive_utc_and_offset(
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap().and_time(chrono::NaiveTime::MIN),
    Utc,
);

/// A stored UTC timestamp as the API shows it.
pub fn utc(t: chrono::NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A calendar period named by `on` (and the unit of archive counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: NaiveDate,
    /// The first day after the period.
    pub after: NaiveDate,
}

impl Period {
    pub fn parse(s: &str) -> Result<Self, String> {
        let err = || PERIOD_FORM.to_owned();
        let digits = |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
        let parts: Vec<&str> = s.split('-').collect();
        let (first, after) = match parts.as_slice() {
            [year] if digits(year, 4) => {
                let year: i32 = year.parse().map_err(|_| err())?;
                let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(err)?;
                (first, NaiveDate::from_ymd_opt(year + 1, 1, 1).ok_or_else(err)?)
            }
            [year, month] if digits(year, 4) && digits(month, 2) => {
                let first = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").map_err(|_| err())?;
                (first, first.checked_add_months(chrono::Months::new(1)).ok_or_else(err)?)
            }
            [_, _, _] => {
                let day = parse_date(s).map_err(|()| err())?;
                (day, day.succ_opt().ok_or_else(err)?)
            }
            _ => return Err(err()),
        };
        Ok(Self { first, after })
    }
}

/// The first instant of a calendar day in a zone. Where a zone skips midnight (a daylight
/// saving jump), the day starts at the first wall-clock time that exists.
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut local = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    for _ in 0..48 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
            LocalResult::None => local += Duration::minutes(30),
        }
    }
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// Reads an IANA zone name such as `Europe/Paris` .
pub fn parse_tz(s: &str) -> Result<Tz, String> {
    s.parse::<Tz>().map_err(|_| "expected an IANA time zone such as UTC or Europe/Paris".to_owned())
}

/// A half-open UTC range `[start, end)`; either side may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TimeRange {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl TimeRange {
    /// Combines `from` (inclusive), `to` (inclusive; a date covers its whole day) and `on`
    /// (a period), all read in `tz`. `Err` when the bounds are reversed.
    pub fn new(
        from: Option<DateOrInstant>,
        to: Option<DateOrInstant>,
        on: Option<Period>,
        tz: Tz,
    ) -> Result<Self, String> {
        let start = from.map(|from| match from {
            DateOrInstant::Date(date) => start_of_day(date, tz),
            DateOrInstant::Instant(t) => t,
        });
        let end = to.map(|to| match to {
            DateOrInstant::Date(date) => {
                date.succ_opt().map_or(DateTime::<Utc>::MAX_UTC, |next| start_of_day(next, tz))
            }
            DateOrInstant::Instant(t) => t + Duration::microseconds(1),
        });
        if let (Some(start), Some(end)) = (start, end)
            && start >= end
        {
            return Err("`from` is after `to`".into());
        }
        let mut range = Self { start, end };
        if let Some(period) = on {
            let (first, after) = (start_of_day(period.first, tz), start_of_day(period.after, tz));
            range.start = Some(range.start.map_or(first, |s| s.max(first)));
            range.end = Some(range.end.map_or(after, |e| e.min(after)));
        }
        Ok(range)
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start.is_none_or(|s| t >= s) && self.end.is_none_or(|e| t < e)
    }
}

/// How archive counts are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Year,
    Month,
    Day,
}

impl Granularity {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "year" => Ok(Self::Year),
            "month" => Ok(Self::Month),
            "day" => Ok(Self::Day),
            _ => Err("expected one of year, month, day".into()),
        }
    }

    /// The label of the period an instant falls in, read in `tz`: `2023`, `2023-06`, `2023-06-09`.
    pub fn label(self, t: DateTime<Utc>, tz: Tz) -> String {
        let local = t.with_timezone(&tz);
        match self {
            Self::Year => format!("{:04}", local.year()),
            Self::Month => format!("{:04}-{:02}", local.year(), local.month()),
            Self::Day => format!("{:04}-{:02}-{:02}", local.year(), local.month(), local.day()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        parse_instant(s).unwrap()
    }

    #[test]
    fn parses_dates_and_instants() {
        assert_eq!(
            DateOrInstant::parse("2023-06-01"),
            Ok(DateOrInstant::Date(NaiveDate::from_ymd_opt(2023, 6, 1).unwrap()))
        );
        assert_eq!(
            DateOrInstant::parse("2023-06-01T16:30:00+02:00"),
            Ok(DateOrInstant::Instant(utc("2023-06-01T14:30:00Z")))
        );
        for bad in ["2023-6-1", "2023-13-01", "2023-02-30", "yesterday", "2023-06-01T25:00:00Z", "", "1e9"] {
            assert!(DateOrInstant::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn periods() {
        let june = Period::parse("2023-06").unwrap();
        assert_eq!((june.first.to_string(), june.after.to_string()), ("2023-06-01".into(), "2023-07-01".into()));
        let year = Period::parse("2023").unwrap();
        assert_eq!(year.after.to_string(), "2024-01-01");
        let day = Period::parse("2024-02-29").unwrap();
        assert_eq!(day.after.to_string(), "2024-03-01");
        for bad in ["2023-13", "2023-06-31", "23", "2023-6", "2023-06-09-01", "june"] {
            assert!(Period::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_date_only_to_covers_the_whole_day() {
        let to = DateOrInstant::parse("2023-06-09").ok();
        let range = TimeRange::new(None, to, None, Tz::UTC).unwrap();
        assert!(range.contains(utc("2023-06-09T23:59:59.999999Z")));
        assert!(!range.contains(utc("2023-06-10T00:00:00Z")));
    }

    #[test]
    fn dates_are_read_in_the_zone() {
        let on = Period::parse("2023-06-09").ok();
        let paris = TimeRange::new(None, None, on, parse_tz("Europe/Paris").unwrap()).unwrap();
        assert_eq!(paris.start, Some(utc("2023-06-08T22:00:00Z")));
        assert_eq!(paris.end, Some(utc("2023-06-09T22:00:00Z")));
    }

    #[test]
    fn reversed_bounds_are_refused() {
        let from = DateOrInstant::parse("2023-06-10").ok();
        let to = DateOrInstant::parse("2023-06-09").ok();
        assert!(TimeRange::new(from, to, None, Tz::UTC).is_err());
    }

    #[test]
    fn a_day_without_midnight_starts_when_it_begins() {
        // Santiago skipped from 00:00 to 01:00 on 2023-09-03.
        let tz = parse_tz("America/Santiago").unwrap();
        let start = start_of_day(NaiveDate::from_ymd_opt(2023, 9, 3).unwrap(), tz);
        assert_eq!(start, utc("2023-09-03T04:00:00Z"));
    }

    #[test]
    fn archive_labels() {
        let t = utc("2023-06-09T23:30:00Z");
        assert_eq!(Granularity::Day.label(t, Tz::UTC), "2023-06-09");
        assert_eq!(Granularity::Day.label(t, parse_tz("Asia/Tokyo").unwrap()), "2023-06-10");
        assert_eq!(Granularity::Month.label(t, Tz::UTC), "2023-06");
        assert_eq!(Granularity::Year.label(t, Tz::UTC), "2023");
    }
}
