//! One error type for the whole API and its RFC 9457 `application/problem+json` rendering:
//! the only place where an HTTP status is chosen for a failure.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document, the body of every 4xx and 5xx answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank", "title": "Unprocessable Content", "status": 422,
    "detail": "the request body has 1 invalid field",
    "errors": [{"field": "published_at", "message": "is required when status is published"}]
}))]
pub struct Problem {
    /// Always `about:blank`: the status and `title` say what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The HTTP status phrase.
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// A sentence for humans naming what was wrong and the accepted form.
    pub detail: String,
    /// The fields or parameters at fault, when there are any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One field or query parameter at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field (a JSON path such as `tags[2]`) or query parameter name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// What is wrong with each field of one request, collected so that one answer names every
/// field at fault.
#[derive(Debug, Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    /// The value read from `field`, or `None` after noting why it was refused.
    pub fn read<T>(&mut self, field: impl Into<String>, value: Result<T, String>) -> Option<T> {
        value.map_err(|message| self.refuse(field, message)).ok()
    }

    /// As `read`, for a field that may be absent (then `Some(None)`).
    pub fn read_optional<V, T>(
        &mut self,
        field: &str,
        value: Option<V>,
        parse: impl FnOnce(V) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match value {
            Some(value) => self.read(field, parse(value)).map(Some),
            None => Some(None),
        }
    }

    /// Notes a field at fault.
    pub fn refuse(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// What `build` makes of the values read, if every field was accepted; otherwise a 422
    /// naming each field at fault (`build` yields `None` only when a value was refused).
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, ApiError> {
        match build() {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(ApiError::invalid_fields(self.0)),
        }
    }
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed request (bad JSON, a query parameter of the wrong form).
    #[error("{detail}")]
    BadRequest { detail: String, errors: Vec<FieldError> },
    /// 401: no valid bearer token. `invalid_token` tells a bad token from a missing one.
    #[error("{detail}")]
    Unauthorized { detail: String, invalid_token: bool },
    /// 403: a valid token whose role is too low.
    #[error("{0}")]
    Forbidden(String),
    /// 429: too many attempts; retry after this many seconds.
    #[error("too many attempts; retry in {0} seconds")]
    TooManyRequests(u64),
    /// 404: no such resource, or one the caller may not see.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists but not with this method.
    #[error("method not allowed; this resource allows {}", .0.join(", "))]
    MethodNotAllowed(Vec<&'static str>),
    /// 409: the change conflicts with what is stored (a taken slug, a term still in use).
    #[error("{0}")]
    Conflict(String),
    /// 412: `If-Match` does not match the current representation.
    #[error("If-Match does not match the current version of this resource; fetch it again and retry")]
    PreconditionFailed,
    /// 408: the body did not arrive in time.
    #[error("the request body did not arrive within {0} seconds")]
    RequestTimeout(u64),
    /// 413: the body is over the limit.
    #[error("the request body is larger than the limit of {0} bytes")]
    PayloadTooLarge(usize),
    /// 415: the body is not of a type the route takes.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed JSON that fails validation.
    #[error("{detail}")]
    Unprocessable { detail: String, errors: Vec<FieldError> },
    /// 503: the database is unreachable or saturated; retrying later may work.
    #[error("the service is temporarily unavailable; retry shortly")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Any other failure status, raised by the framework or its middleware rather than by a
    /// handler (a bad header, a refused CORS preflight).
    #[error("{1}")]
    Framework(StatusCode, String),
    /// 500: a bug. The cause is logged, never sent.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// A 415 for a body that is not JSON.
    pub fn not_json() -> Self {
        Self::UnsupportedMediaType("the request body must be JSON, sent with Content-Type: application/json".into())
    }

    /// A 400 about one query parameter, naming it and the accepted form.
    pub fn bad_param(param: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::BadRequest {
            detail: format!("query parameter `{param}`: {message}"),
            errors: vec![FieldError::new(param, message)],
        }
    }

    /// A 401 for a token that is malformed, forged, expired or no longer honoured.
    pub fn invalid_token() -> Self {
        Self::Unauthorized {
            detail: "the bearer token is invalid or expired; get a new one".into(),
            invalid_token: true,
        }
    }

    /// A 422 listing every invalid field of a body.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("`{}` {}", one.field, one.message),
            many => format!("the request body has {} invalid fields", many.len()),
        };
        Self::Unprocessable { detail, errors }
    }

    /// Wraps a framework error. Its text describes the request and is passed on for client
    /// errors; for server errors it may describe internals and is not.
    pub fn framework(status: StatusCode, text: &str) -> Self {
        const MAX_DETAIL: usize = 300;
        let detail = if status.is_client_error() && !text.is_empty() && text.len() <= MAX_DETAIL {
            text.to_owned()
        } else {
            status.canonical_reason().unwrap_or("error").to_lowercase()
        };
        if status.is_server_error() {
            log::error!("{status}: {text}");
        }
        Self::Framework(status, detail)
    }

    /// Gives a 409 a detail that says what is in the way; other errors pass unchanged.
    pub fn in_the_way(self, detail: impl FnOnce() -> String) -> Self {
        match self {
            Self::Conflict(_) => Self::Conflict(detail()),
            other => other,
        }
    }

    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(err))
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::BadRequest { errors, .. } | Self::Unprocessable { errors, .. } => errors,
            _ => &[],
        }
    }

    /// What the log says of this error: the client's words, and for a failure of ours its
    /// causes, which clients are never sent.
    pub fn logged(&self) -> String {
        match self {
            Self::Internal(cause) | Self::Unavailable(cause) => format!("{self}: {}", cause_chain(cause.as_ref())),
            _ => self.to_string(),
        }
    }

    /// The problem document this error is answered with.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        problem(status, self.to_string(), self.field_errors().to_vec())
    }
}

/// Builds a problem document for any status (also used for errors raised outside handlers).
pub fn problem(status: StatusCode, detail: String, errors: Vec<FieldError>) -> Problem {
    Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        errors,
    }
}

/// Serializes a problem into a complete response.
pub fn problem_response(status: StatusCode, problem: &Problem) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type(PROBLEM_JSON).insert_header((header::CACHE_CONTROL, "no-store"));
    match serde_json::to_vec(problem) {
        Ok(body) => res.body(body),
        Err(_) => res.finish(),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Framework(status, _) => *status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(self, Self::Internal(_) | Self::Unavailable(_)) {
            log::error!("{}", self.logged());
        }
        let mut res = problem_response(self.status_code(), &self.problem());
        if let Self::MethodNotAllowed(allow) = self
            && let Ok(value) = header::HeaderValue::from_str(&allow.join(", "))
        {
            res.headers_mut().insert(header::ALLOW, value);
        }
        let headers = res.headers_mut();
        match self {
            Self::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            }
            Self::TooManyRequests(seconds) => {
                headers.insert(header::RETRY_AFTER, header::HeaderValue::from(*seconds));
            }
            // The rest of the body may still be on its way: the connection cannot be reused.
            Self::RequestTimeout(_) => {
                headers.insert(header::CONNECTION, header::HeaderValue::from_static("close"));
            }
            Self::Unauthorized { invalid_token, .. } => {
                let challenge = if *invalid_token {
                    r#"Bearer realm="newsdesk", error="invalid_token""#
                } else {
                    r#"Bearer realm="newsdesk""#
                };
                headers.insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static(challenge));
            }
            _ => {}
        }
        res
    }
}

fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match err {
            Error::NotFound => Self::NotFound("no such resource".into()),
            Error::DatabaseError(Kind::UniqueViolation, info) => Self::Conflict(unique_conflict_detail(info.as_ref())),
            Error::DatabaseError(Kind::ForeignKeyViolation, _) => Self::Conflict(
                "this resource is still referenced by other resources (such as news items); \
                 remove those references first"
                    .into(),
            ),
            Error::DatabaseError(Kind::Unknown, ref info) if info.message().contains("database is locked") => {
                Self::Unavailable(Box::new(err))
            }
            // The connection to the server was lost (it restarted, say): the pool asks its
            // connections before handing them out again.
            Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _) => {
                Self::Unavailable(Box::new(err))
            }
            other => Self::internal(other),
        }
    }
}

/// The field each unique constraint guards, by the name PostgreSQL gives it
/// (`{table}_{columns}_key`, from `migrations/postgres`).
const UNIQUE_FIELDS: [(&str, &str); 5] = [
    ("news_items_slug_key", "slug"),
    ("organizations_slug_key", "slug"),
    ("terms_kind_slug_key", "slug"),
    ("users_username_key", "username"),
    ("revisions_entity_entity_id_revision_key", "revision"),
];

/// "slug is already taken": the field from the constraint's name where the database gives
/// one (PostgreSQL), else from the columns its message lists (SQLite names no constraint:
/// "UNIQUE constraint failed: terms.kind, terms.slug").
fn unique_conflict_detail(info: &dyn diesel::result::DatabaseErrorInformation) -> String {
    let field = match info.constraint_name() {
        Some(name) => UNIQUE_FIELDS.iter().find(|(constraint, _)| *constraint == name).map(|(_, field)| *field),
        None => info
            .message()
            .strip_prefix("UNIQUE constraint failed: ")
            .and_then(|columns| columns.rsplit(", ").next())
            .and_then(|column| column.rsplit('.').next()),
    };
    match field {
        Some(field) => format!("{field} is already taken"),
        None => "a resource with these values already exists".into(),
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(Box::new(err))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::internal(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database's report of a unique violation.
    struct Violation(&'static str, Option<&'static str>);

    impl diesel::result::DatabaseErrorInformation for Violation {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            self.1
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    #[test]
    fn unique_conflicts_name_the_field() {
        let detail = |message, constraint| unique_conflict_detail(&Violation(message, constraint));
        assert_eq!(detail("UNIQUE constraint failed: news_items.slug", None), "slug is already taken");
        assert_eq!(detail("UNIQUE constraint failed: terms.kind, terms.slug", None), "slug is already taken");
        let postgres = r#"duplicate key value violates unique constraint "users_username_key""#;
        assert_eq!(detail(postgres, Some("users_username_key")), "username is already taken");
        assert_eq!(detail("duplicate key", Some("terms_kind_slug_key")), "slug is already taken");
        assert_eq!(detail("duplicate key", Some("another_key")), "a resource with these values already exists");
    }

    #[test]
    fn validation_detail_names_a_single_field() {
        let err = ApiError::invalid_fields(vec![FieldError::new("title", "must not be empty")]);
        assert_eq!(err.to_string(), "`title` must not be empty");
        assert_eq!(err.problem().status, 422);
    }
}
