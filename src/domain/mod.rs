//! Validated values and the rules of the newsroom: slugs, dates and periods, listing
//! queries, news items. Nothing here knows about HTTP or SQL.

pub mod dates;
pub mod listing;
pub mod news;
pub mod organization;
pub mod params;
pub mod patch;
pub mod slug;
pub mod text;
pub mod users;

/// A value of a closed set (an enum named as in JSON) from its name, or which names it has.
pub fn one_of<T: std::str::FromStr + strum::VariantNames>(name: &str) -> Result<T, String> {
    name.parse().map_err(|_| format!("expected one of {}", T::VARIANTS.join(", ")))
}
