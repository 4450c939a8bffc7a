//! Validated values and the rules of the newsroom: slugs, dates and periods, listing
//! queries, news items. Nothing here knows about HTTP or SQL.

/// Declares a closed set named the same way in JSON, in the database and in query strings
/// (`case`: serde's and strum's name for the spelling): each variant converts to and from its
/// name, and the schema lists them.
macro_rules! closed_set {
    ($case:tt, $(#[$meta:meta])* $vis:vis enum $name:ident $body:tt) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
        )]
        #[serde(rename_all = $case)]
        #[strum(serialize_all = $case)]
        $vis enum $name $body
    };
}
pub(crate) use closed_set;

pub mod audit;
pub mod dates;
pub mod ids;
pub mod keys;
pub mod language;
pub mod listing;
pub mod media;
pub mod news;
pub mod organization;
pub mod params;
pub mod patch;
pub mod slug;
pub mod text;
pub mod users;
pub mod webhooks;
pub mod words;

/// A value of a closed set (an enum named as in JSON) from its name, or which names it has.
pub fn one_of<T: std::str::FromStr + strum::VariantNames>(name: &str) -> Result<T, String> {
    name.parse().map_err(|_| format!("expected one of {}", T::VARIANTS.join(", ")))
}

/// The SHA-256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

/// Bytes in lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    hex
}

/// `count` random bytes in lowercase hex (ids, challenges).
pub fn random_hex(count: usize) -> Result<String, getrandom::Error> {
    let mut random = vec![0u8; count];
    getrandom::fill(&mut random)?;
    Ok(hex(&random))
}
