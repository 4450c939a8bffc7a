//! `Json<T>`: the request-body extractor. Unlike actix's own, its errors are problem+json
//! that name the field at fault (by JSON path) and tell malformed JSON (400) from
//! well-formed JSON that does not fit (422).

use std::future::Future;
use std::pin::Pin;

use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use super::body_deadline;
use crate::error::{ApiError, FieldError};

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON request body deserialized into `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = is_json(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::not_json());
            }
            let bytes = body.await.map_err(|err| match err.as_error::<PayloadError>() {
                Some(err) => unread(err, BODY_LIMIT),
                None => {
                    ApiError::BadRequest { detail: format!("cannot read the request body: {err}"), errors: Vec::new() }
                }
            })?;
            parse(&bytes).map(Json)
        })
    }
}

/// Why a body of at most `limit` bytes could not be read.
pub fn unread(err: &PayloadError, limit: usize) -> ApiError {
    match err {
        PayloadError::Overflow => ApiError::PayloadTooLarge(limit),
        PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            ApiError::RequestTimeout(body_deadline::BODY_TIMEOUT.as_secs())
        }
        _ => ApiError::BadRequest { detail: format!("cannot read the request body: {err}"), errors: Vec::new() },
    }
}

/// `application/json` or any `application/*+json`.
fn is_json(req: &HttpRequest) -> bool {
    let Some(Ok(value)) = req.headers().get(header::CONTENT_TYPE).map(|v| v.to_str()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Deserializes a body: malformed JSON is a 400; JSON that does not fit `T` a 422 naming
/// the JSON path of the first value at fault. Reading into a `Value` first keeps the two
/// apart (serde_json reports some type mismatches, such as `null` for an enum, as syntax).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest {
            detail: "the request body is empty; expected a JSON object".into(),
            errors: Vec::new(),
        });
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|err| malformed(&err))?;
    // serde would also build a struct from an array, field by field: only objects are bodies.
    if !value.is_object() {
        return Err(ApiError::invalid_fields(vec![FieldError::new("(body)", "must be a JSON object")]));
    }
    integral_floats_to_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        data_error(&path, &err.into_inner())
    })
}

/// JSON Schema counts `5.0` as an integer; so do we.
fn integral_floats_to_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15) {
                *n = serde_json::Number::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        Value::Object(map) => map.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

fn malformed(err: &serde_json::Error) -> ApiError {
    ApiError::BadRequest { detail: format!("the request body is not valid JSON: {err}"), errors: Vec::new() }
}

/// A 422 naming the field. serde reports a missing field on the enclosing object, so its
/// name is taken from the message; an unknown field is reported on its own path.
fn data_error(path: &str, err: &serde_json::Error) -> ApiError {
    let text = err.to_string();
    let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(message, _)| message);
    let path = if path == "." { "" } else { path };
    let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
    let (field, message) = match missing {
        Some(name) if path.is_empty() => (name.to_owned(), "is required".to_owned()),
        Some(name) => (format!("{path}.{name}"), "is required".to_owned()),
        None if message.starts_with("unknown field") => {
            (path.to_owned(), format!("is not a field of this resource ({message})"))
        }
        None if path.is_empty() => ("(body)".to_owned(), message.to_owned()),
        None => (path.to_owned(), message.to_owned()),
    };
    ApiError::invalid_fields(vec![FieldError::new(field, message)])
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialized")]
    struct Body {
        title: String,
        tags: Option<Vec<String>>,
    }

    fn field_of(json: &str) -> (u16, String) {
        let err = parse::<Body>(json.as_bytes()).unwrap_err();
        let problem = err.problem();
        (problem.status, problem.errors.first().map(|e| e.field.clone()).unwrap_or_default())
    }

    #[test]
    fn names_the_field_at_fault() {
        assert_eq!(field_of(r#"{"title": 5}"#), (422, "title".into()));
        assert_eq!(field_of(r#"{"title": "x", "tags": ["a", 7]}"#), (422, "tags[1]".into()));
        assert_eq!(field_of(r#"{}"#), (422, "title".into()));
        assert_eq!(field_of(r#"{"title": "x", "titel": "y"}"#), (422, "titel".into()));
        assert_eq!(field_of(r#"[]"#), (422, "(body)".into()));
    }

    #[test]
    fn integral_floats_are_integers() {
        #[derive(Debug, Deserialize)]
        struct Count {
            n: i32,
        }
        assert_eq!(parse::<Count>(br#"{"n": 1409.0}"#).unwrap().n, 1409);
        assert_eq!(field_of_count(r#"{"n": 1.5}"#), "n");
        assert_eq!(field_of_count(r#"{"n": 1e40}"#), "n");
    }

    fn field_of_count(json: &str) -> String {
        #[derive(Debug, Deserialize)]
        #[expect(dead_code, reason = "only deserialized")]
        struct Count {
            n: i32,
        }
        parse::<Count>(json.as_bytes()).unwrap_err().problem().errors[0].field.clone()
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for bad in ["{", "{\"title\": \"x\"} trailing", "", "nul", "{'title': 'x'}"] {
            assert_eq!(parse::<Body>(bad.as_bytes()).unwrap_err().problem().status, 400, "{bad:?}");
        }
    }
}
