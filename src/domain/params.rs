//! A query string taken apart parameter by parameter, so that every parameter is checked
//! and an unknown or repeated one is named in the error instead of silently ignored.

use std::collections::BTreeMap;

use crate::error::ApiError;

/// The longest query string read, in bytes: no parameter needs more.
pub const MAX_QUERY: usize = 8192;
/// The longest value of one parameter, in bytes (a cursor after a long title fits).
pub const MAX_VALUE: usize = 2048;
/// The most values an "any of" parameter may list.
pub const MAX_VALUES: usize = 50;

/// The parameters of one request, removed as they are read.
#[derive(Debug, Default)]
pub struct QueryParams(BTreeMap<String, Vec<String>>);

impl QueryParams {
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        if query.len() > MAX_QUERY {
            return Err(ApiError::BadRequest {
                detail: format!("the query string is {} bytes long; at most {MAX_QUERY} are read", query.len()),
                errors: Vec::new(),
            });
        }
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if value.len() > MAX_VALUE {
                return Err(ApiError::bad_param(&key, format!("must be at most {MAX_VALUE} bytes long")));
            }
            map.entry(key.into_owned()).or_default().push(value.into_owned());
        }
        Ok(Self(map))
    }

    /// A parameter that may appear once.
    pub fn one(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        match self.0.remove(name) {
            None => Ok(None),
            Some(mut values) if values.len() == 1 => Ok(values.pop()),
            Some(_) => Err(ApiError::bad_param(name, "must be given at most once")),
        }
    }

    /// A parameter read with `parse`, whose error message names the accepted form.
    pub fn parsed<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ApiError> {
        self.one(name)?.map(|value| parse(&value).map_err(|message| ApiError::bad_param(name, message))).transpose()
    }

    /// A repeatable, comma-separated parameter ("any of"), each value read with `parse`.
    pub fn any_of<T>(&mut self, name: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, ApiError> {
        let values = self.0.remove(name).unwrap_or_default();
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

    /// Fails on the first parameter nobody read.
    pub fn finish(self, known: &str) -> Result<(), ApiError> {
        match self.0.into_keys().next() {
            None => Ok(()),
            Some(name) => Err(ApiError::bad_param(
                &name,
                format!("is not a parameter of this endpoint; known parameters: {known}"),
            )),
        }
    }
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

    #[test]
    fn repeated_and_comma_separated_values_combine() {
        let mut params = QueryParams::parse("topic=a,b&topic=c&limit=5").unwrap();
        assert_eq!(params.any_of("topic", |s| Ok(s.to_owned())).unwrap(), ["a", "b", "c"]);
        assert_eq!(params.parsed("limit", |s| bounded(s, 1, 100)).unwrap(), Some(5));
        assert!(params.finish("").is_ok());
    }

    #[test]
    fn unknown_and_repeated_single_parameters_are_named() {
        let mut params = QueryParams::parse("limit=5&limit=6").unwrap();
        assert!(params.one("limit").unwrap_err().to_string().contains("`limit`"));
        let params = QueryParams::parse("tpoic=x").unwrap();
        assert!(params.finish("topic").unwrap_err().to_string().contains("`tpoic`"));
    }

    #[test]
    fn sizes_are_bounded() {
        let message = |query: &str| QueryParams::parse(query).unwrap_err().to_string();
        assert!(message(&"a=1&".repeat(3000)).contains("query string"));
        assert!(message(&format!("q={}", "x".repeat(MAX_VALUE + 1))).contains("`q`"));
        let many = (0..=MAX_VALUES).map(|n| n.to_string()).collect::<Vec<_>>().join(",");
        let mut params = QueryParams::parse(&format!("author={many}")).unwrap();
        assert!(params.any_of("author", |s| Ok(s.to_owned())).unwrap_err().to_string().contains("at most 50"));
    }

    #[test]
    fn bounds() {
        assert_eq!(bounded("100", 1, 100), Ok(100));
        for bad in ["0", "101", "-1", "1.5", "ten", "", "99999999999999999999999"] {
            assert!(bounded(bad, 1, 100).is_err(), "{bad:?} accepted");
        }
    }
}
