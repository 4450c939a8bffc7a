//! Fields of a partial update (PATCH): absent keeps the stored value, `null` clears it where
//! it may be cleared.

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value, so
/// that PATCH can tell "leave it" from "clear it".
pub fn nullable<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(de).map(Some)
}

/// Deserializes a PATCH field that may be absent but not `null` (it cannot be cleared).
pub fn not_null<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    match <Option<T> as serde::Deserialize>::deserialize(de)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom("must not be null; leave the field out to keep it")),
    }
}
