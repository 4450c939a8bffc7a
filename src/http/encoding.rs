//! Content codings. An answer of a compressible type and at least `MIN_SIZE` bytes is sent in
//! the coding the client prefers (brotli or gzip); each coding has its own strong ETag (the
//! identity tag with a suffix, so that `If-Match` still compares with the current state
//! whichever coding the client's tag came from); and every answer that could be coded says
//! `Vary: Accept-Encoding, Authorization` in one header, whatever was chosen. Below
//! `MIN_SIZE` a coding saves little and can even grow the body.

use std::io::Write;

use actix_web::HttpMessage;
use actix_web::body::{self, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, AcceptEncoding, Encoding, EntityTag, Header, HeaderMap, HeaderValue};
use actix_web::web::Bytes;

/// The smallest body worth coding.
pub const MIN_SIZE: usize = 1024;

/// The codings sent, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The coding the client prefers among those this service sends (identity without an
    /// `Accept-Encoding`).
    pub fn negotiate(req: &impl HttpMessage) -> Self {
        let Ok(accept) = AcceptEncoding::parse(req) else { return Self::Identity };
        let supported = [Encoding::brotli(), Encoding::gzip(), Encoding::identity()];
        match accept.negotiate(supported.iter()) {
            Some(coding) if coding == Encoding::brotli() => Self::Brotli,
            Some(coding) if coding == Encoding::gzip() => Self::Gzip,
            _ => Self::Identity,
        }
    }

    /// The coding a body is sent in: this one, if the body is worth it.
    pub fn for_body(self, headers: &HeaderMap, len: usize) -> Self {
        if len >= MIN_SIZE && compressible(headers) { self } else { Self::Identity }
    }

    fn suffix(self) -> &'static str {
        match self {
            Self::Identity => "",
            Self::Gzip => "-gzip",
            Self::Brotli => "-br",
        }
    }

    /// The tag of the representation in this coding.
    pub fn tag(self, identity: &EntityTag) -> EntityTag {
        EntityTag::new(identity.weak, format!("{}{}", identity.tag(), self.suffix()))
    }

    /// The body in this coding, with `Content-Encoding` set (and `Content-Length` left to the
    /// server, which counts the new body).
    pub fn encode(self, bytes: Bytes, headers: &mut HeaderMap) -> std::io::Result<Bytes> {
        let (name, coded) = match self {
            Self::Identity => return Ok(bytes),
            Self::Gzip => {
                let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                gzip.write_all(&bytes)?;
                ("gzip", gzip.finish()?)
            }
            Self::Brotli => {
                // Quality 3: most of the saving for a fraction of the highest qualities' time.
                let mut brotli = brotli::CompressorWriter::new(Vec::new(), 32 * 1024, 3, 22);
                brotli.write_all(&bytes)?;
                ("br", brotli.into_inner())
            }
        };
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
        Ok(Bytes::from(coded))
    }
}

/// The identity tag a client's tag names, whatever coding it came with.
pub fn identity_tag(tag: &EntityTag) -> EntityTag {
    let name = tag.tag();
    let base = [Coding::Gzip, Coding::Brotli].iter().find_map(|c| name.strip_suffix(c.suffix())).unwrap_or(name);
    EntityTag::new(tag.weak, base.to_owned())
}

/// Text, JSON and XML are worth coding; images and the like are coded already.
fn compressible(headers: &HeaderMap) -> bool {
    let Some(Ok(value)) = headers.get(header::CONTENT_TYPE).map(|v| v.to_str()) else { return false };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("json")
        || essence.ends_with("xml")
        || essence == "application/javascript"
}

/// Says what an answer that could be coded varies with, in one header (after what the
/// handler said it varies with, such as `Accept-Language`).
pub fn vary(headers: &mut HeaderMap) {
    if !compressible(headers) {
        return;
    }
    const CODED: &str = "Accept-Encoding, Authorization";
    let value = match headers.get(header::VARY).and_then(|v| v.to_str().ok()) {
        Some(own) => HeaderValue::from_str(&format!("{CODED}, {own}")).unwrap_or(HeaderValue::from_static(CODED)),
        None => HeaderValue::from_static(CODED),
    };
    headers.insert(header::VARY, value);
}

/// An answer that carries no ETag (an error, say), coded if it is worth it.
pub async fn send(res: ServiceResponse, coding: Coding) -> Result<ServiceResponse, actix_web::Error> {
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    if matches!(body.size(), body::BodySize::None) {
        return Ok(ServiceResponse::new(req, head.set_body(body)));
    }
    let bytes = super::body_bytes(body).await?;
    vary(head.headers_mut());
    let coding = coding.for_body(head.headers(), bytes.len());
    let bytes = coding.encode(bytes, head.headers_mut())?;
    Ok(ServiceResponse::new(req, head.set_body(bytes).map_into_boxed_body()))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn negotiated(accept: &str) -> Coding {
        Coding::negotiate(&TestRequest::default().insert_header((header::ACCEPT_ENCODING, accept)).to_http_request())
    }

    #[test]
    fn the_clients_preference_decides() {
        assert_eq!(negotiated("gzip, deflate, br"), Coding::Brotli);
        assert_eq!(negotiated("gzip"), Coding::Gzip);
        assert_eq!(negotiated("br;q=0.5, gzip"), Coding::Gzip);
        assert_eq!(negotiated("identity"), Coding::Identity);
        assert_eq!(negotiated("zstd"), Coding::Identity);
        assert_eq!(Coding::negotiate(&TestRequest::default().to_http_request()), Coding::Identity);
    }

    #[test]
    fn each_coding_has_its_own_tag_that_names_the_identity_one() {
        let identity = EntityTag::new_strong("5d41402abc4b2a76".into());
        let tags = [Coding::Identity, Coding::Gzip, Coding::Brotli].map(|c| c.tag(&identity));
        assert_eq!(
            tags.clone().map(|t| t.to_string()),
            ["\"5d41402abc4b2a76\"", "\"5d41402abc4b2a76-gzip\"", "\"5d41402abc4b2a76-br\""]
        );
        assert!(tags.iter().all(|t| identity_tag(t) == identity));
    }

    #[test]
    fn small_and_binary_bodies_stay_as_they_are() {
        let mut json = HeaderMap::new();
        json.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        assert_eq!(Coding::Gzip.for_body(&json, MIN_SIZE - 1), Coding::Identity);
        assert_eq!(Coding::Gzip.for_body(&json, MIN_SIZE), Coding::Gzip);
        let mut png = HeaderMap::new();
        png.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
        assert_eq!(Coding::Brotli.for_body(&png, 100_000), Coding::Identity);
    }
}
