//! The OpenAPI document. Operations come from the handlers (registered through
//! `utoipa_actix_web`); this module adds the top level, and the problem responses that
//! operations share, declared once as components and referenced by each operation.

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{IntoResponses, Modify, OpenApi, ToResponse};

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "newsdesk",
        contact(name = "newsdesk maintainers", url = "https://github.com/newsdesk/newsdesk/issues"),
    ),
    servers((url = "/", description = "The server that serves this document")),
    modifiers(&BearerScheme),
    tags(
        (name = "news", description = "News items and their date-filtered listings"),
        (name = "sync", description = "Every public change since a cursor, deletions included, for mirrors"),
        (name = "revisions", description = "Every stored version of news items and organization profiles (editors)"),
        (name = "trash", description = "Deleted news items, restorable until purged (editors; purge: admins)"),
        (name = "taxonomy", description = "Topics and regions that classify news items"),
        (name = "authors", description = "People who write news items"),
        (name = "media", description = "Images: uploads made ready for every screen, and their immutable files"),
        (name = "organizations", description = "Organization profiles: governing bodies, offices and their news"),
        (name = "feeds", description = "RSS, Atom and JSON Feed of the latest public news"),
        (name = "auth", description = "Sign-in: bearer tokens for writes"),
        (name = "users", description = "Accounts and roles (admins only)"),
        (name = "keys", description = "Partner keys: scopes, quotas, expiry, rotation (admins only)"),
        (name = "webhooks", description = "Changes pushed to partners, signed, retried, in order per item (admins only)"),
        (name = "audit", description = "Who signed in and who changed what, when and from where, in a hash chain (admins only)"),
        (name = "service", description = "Health, readiness and this document"),
    ),
    components(
        schemas(Problem, FieldError),
        responses(
            NotModified, BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed,
            PayloadTooLarge, UnsupportedMediaType, Unprocessable, TooManyRequests
        )
    )
)]
struct ApiDoc;

/// Declares the `bearer` scheme that operations name in their `security`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut Document) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "A user's token from `POST /api/v1/auth/token` (a JWT), or a partner key from \
                 `POST /api/v1/keys` (`nd_…`: its scopes say what it may read and write, at its own quota).",
            ))
            .build();
        doc.components.get_or_insert_default().add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The top of the document: its info, tags, security scheme and shared responses; the
/// operations are added by `api::document`.
pub fn top() -> Document {
    ApiDoc::openapi()
}

/// Links each create's 201 answer to the operations on what it created (the path one
/// parameter below the create's), so that generated clients and stateful testers can chain
/// them: the new resource's `id` (its `slug`, where the path names it so) from the answer,
/// the other path parameters from the create's own request.
pub fn link_creates(doc: &mut Document) {
    let mut links = Vec::new();
    for (path, item) in &doc.paths.paths {
        if !item.post.as_ref().is_some_and(|post| post.responses.responses.contains_key("201")) {
            continue;
        }
        for (child_path, child) in &doc.paths.paths {
            let Some(named) = child_path
                .strip_prefix(path.as_str())
                .and_then(|rest| rest.strip_prefix("/{")?.strip_suffix('}'))
                .filter(|name| !name.contains(['/', '{']))
            else {
                continue;
            };
            for operation in [&child.get, &child.put, &child.patch, &child.delete].into_iter().flatten() {
                let Some(operation_id) = &operation.operation_id else { continue };
                let mut link = LinkBuilder::new().operation_id(operation_id);
                for name in child_path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')) {
                    let value = match name {
                        "slug" if name == named => "$response.body#/slug".to_owned(),
                        _ if name == named => "$response.body#/id".to_owned(),
                        other => format!("$request.path.{other}"),
                    };
                    link = link.parameter(name, value);
                }
                links.push((path.clone(), operation_id.clone(), link.build()));
            }
        }
    }
    for (path, operation_id, link) in links {
        let created = doc
            .paths
            .paths
            .get_mut(&path)
            .and_then(|item| item.post.as_mut())
            .and_then(|post| post.responses.responses.get_mut("201"));
        if let Some(RefOr::T(response)) = created {
            response.links.insert(operation_id, RefOr::T(link));
        }
    }
}

/// The document as `/openapi.json` serves it and `openapi/openapi.json` holds it.
pub fn json(doc: &Document) -> String {
    let mut text = doc.to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

/// The ETag in `If-None-Match` is current: no body.
#[derive(ToResponse)]
pub struct NotModified;

/// Malformed request: bad JSON, or a query parameter of the wrong form (named in `errors`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(pub Problem);

/// No valid bearer token (missing, malformed, expired, or its user disabled); see
/// `WWW-Authenticate`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unauthorized(pub Problem);

/// A valid token whose role may not do this.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(pub Problem);

/// Too many requests from this client (anonymous requests are limited per address), or too
/// many failed sign-ins; `Retry-After` says when to try again.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct TooManyRequests(pub Problem);

/// No such resource, or one the caller may not see.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(pub Problem);

/// Conflicts with what is stored: a taken slug, or a resource still in use.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(pub Problem);

/// `If-Match` does not match the current version.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PreconditionFailed(pub Problem);

/// The body is larger than the limit: 1 MiB, or `NEWSDESK_MEDIA_MAX_BYTES` for an upload.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(pub Problem);

/// The body is not `application/json` (for an upload: not a JPEG, PNG, WebP or GIF).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(pub Problem);

/// Well-formed input that fails validation (a JSON field, or a query value such as a `lang`
/// that names none of the site's languages); `errors` names every field at fault.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unprocessable(pub Problem);

/// The other answers of a listing.
#[derive(IntoResponses)]
pub enum ListErrors {
    #[response(status = 304)]
    NotModified(#[ref_response] NotModified),
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
}

/// The other answers of a read of one resource.
#[derive(IntoResponses)]
pub enum GetErrors {
    #[response(status = 304)]
    NotModified(#[ref_response] NotModified),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
}

/// The other answer of a document that may be cached.
#[derive(IntoResponses)]
pub enum Cached {
    #[response(status = 304)]
    NotModified(#[ref_response] NotModified),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
}

/// The other answers of an action on one resource that takes no body.
#[derive(IntoResponses)]
pub enum ActionErrors {
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
}

/// The other answers of an admin's read.
#[derive(IntoResponses)]
pub enum AdminReadErrors {
    #[response(status = 304)]
    NotModified(#[ref_response] NotModified),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
}

/// The other answers of a sign-in.
#[derive(IntoResponses)]
pub enum LoginErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 415)]
    UnsupportedMediaType(#[ref_response] UnsupportedMediaType),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
}

/// The other answers of an action of any signed-in user.
#[derive(IntoResponses)]
pub enum SignedInErrors {
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
}

/// The other answers of a create.
#[derive(IntoResponses)]
pub enum CreateErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 415)]
    UnsupportedMediaType(#[ref_response] UnsupportedMediaType),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
}

/// The other answers of a PUT or PATCH.
#[derive(IntoResponses)]
pub enum ChangeErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 412)]
    PreconditionFailed(#[ref_response] PreconditionFailed),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 415)]
    UnsupportedMediaType(#[ref_response] UnsupportedMediaType),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
}

/// The other answers of a DELETE.
#[derive(IntoResponses)]
pub enum DeleteErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 412)]
    PreconditionFailed(#[ref_response] PreconditionFailed),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
}
