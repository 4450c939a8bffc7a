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
