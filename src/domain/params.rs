//! Query strings, read into the typed structs that also document them (`IntoParams`): the
//! parameters the OpenAPI document lists are the ones parsed, and a parameter that none of
//! an endpoint's structs declares is named in the error instead of silently ignored. Fields
//! hold the text as sent (`once` for a parameter given at most once, `Vec` for a repeatable
//! one); `parsed` and `any_of` read it into values, with messages that name the form.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use utoipa::IntoParams;

use crate::error::ApiError;

/// The longest query string read, in bytes: no parameter needs more.
pub const MAX_QUERY: usize = 8192;
/// The longest value of one parameter, in bytes (a cursor after a long title fits).
pub const MAX_VALUE: usize = 2048;
/// The most values an "any of" parameter may list.
pub const MAX_VALUES: usize = 50;

/// Reads an endpoint's parameters from its query string into `T`.
pub fn read<T: DeserializeOwned + IntoParams>(query: &str) -> Result<T, ApiError> {
    let value = fill(query)?;
    only(query, &names::<T>())?;
    Ok(value)
}

/// As `read`, for an endpoint whose parameters two structs declare (shared filters and the
/// endpoint's own).
pub fn read_both<A, B>(query: &str) -> Result<(A, B), ApiError>
where
    A: DeserializeOwned + IntoParams,
    B: DeserializeOwned + IntoParams,
{
    let both = (fill(query)?, fill(query)?);
    only(query, &[names::<A>(), names::<B>()].concat())?;
    Ok(both)
}

/// The names of the parameters `T` declares, as the OpenAPI document lists them.
fn names<T: IntoParams>() -> Vec<String> {
    T::into_params(|| None).into_iter().map(|param| param.name).collect()
}

fn fill<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    if query.len() > MAX_QUERY {
        return Err(ApiError::BadRequest {
            detail: format!("the query string is {} bytes long; at most {MAX_QUERY} are read", query.len()),
            errors: Vec::new(),
        });
    }
    if let Some((key, _)) = form_urlencoded::parse(query.as_bytes()).find(|(_, value)| value.len() > MAX_VALUE) {
        return Err(ApiError::bad_param(&key, format!("must be at most {MAX_VALUE} bytes long")));
    }
    let fields = serde_html_form::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(fields)
        .map_err(|err| ApiError::bad_param(&err.path().to_string(), err.inner().to_string()))
}

/// Fails on the first parameter (by name) that is not one of `known`.
fn only(query: &str, known: &[String]) -> Result<(), ApiError> {
    let unknown = form_urlencoded::parse(query.as_bytes())
        .map(|(key, _)| key)
        .filter(|key| !known.iter().any(|k| k == key))
        .min();
    match unknown {
        None => Ok(()),
        Some(name) => Err(ApiError::bad_param(
            &name,
            format!("is not a parameter of this endpoint; known parameters: {}", known.join(", ")),
        )),
    }
}

/// Deserializes a parameter that may appear once (`#[serde(default, deserialize_with = "once")]`).
pub fn once<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    let mut values = Vec::<String>::deserialize(de)?;
    match values.len() {
        0 | 1 => Ok(values.pop()),
        _ => Err(D::Error::custom("must be given at most once")),
    }
}

/// A parameter's text read with `parse`, whose error message names the accepted form.
pub fn parsed<T>(
    name: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, ApiError> {
    value.map(|value| parse(value).map_err(|message| ApiError::bad_param(name, message))).transpose()
}

/// A repeatable, comma-separated parameter ("any of"), each value read with `parse`.
pub fn any_of<T>(name: &str, values: &[String], parse: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, ApiError> {
    let mut parsed = Vec::new();
    for value in values.iter().flat_map(|v| v.split(',')).map(str::trim) {
        if value.is_empty() {
            return Err(ApiError::bad_param(name, "must not contain empty values"));
        }
        if parsed.len() == MAX_VALUES {
            return Err(ApiError::bad_param(name, format!("must list at most {MAX_VALUES} values")));
        }
        parsed.push(parse(value).map_err(|message| ApiError::bad_param(name, message))?);
    }
    Ok(parsed)
}

/// A number in an inclusive range.
pub fn bounded(value: &str, min: u64, max: u64) -> Result<u64, String> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("expected an integer from {min} to {max}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, IntoParams)]
    #[into_params(parameter_in = Query)]
    struct Example {
        #[serde(default)]
        topic: Vec<String>,
        #[serde(default, deserialize_with = "once")]
        #[param(value_type = Option<u32>)]
        limit: Option<String>,
    }

    #[test]
    fn repeated_and_comma_separated_values_combine() {
        let example: Example = read("topic=a,b&topic=c&limit=5").unwrap();
        assert_eq!(any_of("topic", &example.topic, |s| Ok(s.to_owned())).unwrap(), ["a", "b", "c"]);
        assert_eq!(parsed("limit", example.limit.as_deref(), |s| bounded(s, 1, 100)).unwrap(), Some(5));
    }

    #[test]
    fn unknown_and_repeated_single_parameters_are_named() {
        let message = |query: &str| read::<Example>(query).unwrap_err().to_string();
        assert!(message("limit=5&limit=6").contains("`limit`: must be given at most once"));
        assert!(
            message("tpoic=x").contains("`tpoic`: is not a parameter of this endpoint; known parameters: topic, limit")
        );
    }

    #[test]
    fn sizes_are_bounded() {
        let message = |query: &str| read::<Example>(query).unwrap_err().to_string();
        assert!(message(&"a=1&".repeat(3000)).contains("query string"));
        assert!(message(&format!("topic={}", "x".repeat(MAX_VALUE + 1))).contains("`topic`"));
        let many = (0..=MAX_VALUES).map(|n| n.to_string()).collect::<Vec<_>>();
        assert!(any_of("author", &many, |s| Ok(s.to_owned())).unwrap_err().to_string().contains("at most 50"));
    }

    #[test]
    fn bounds() {
        assert_eq!(bounded("100", 1, 100), Ok(100));
        for bad in ["0", "101", "-1", "1.5", "ten", "", "99999999999999999999999"] {
            assert!(bounded(bad, 1, 100).is_err(), "{bad:?} accepted");
        }
    }
}
