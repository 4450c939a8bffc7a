//! Access tokens: HS256 JWTs, the algorithm pinned on verify, every registered claim
//! required and checked. Keys are built once at start-up.

use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::Role;
use crate::domain::ids::{NewsId, UserId};

pub const ISSUER: &str = "newsdesk";
pub const AUDIENCE: &str = "newsdesk-api";
/// The audience of preview links: no other route accepts them.
pub const PREVIEW_AUDIENCE: &str = "newsdesk-preview";
/// Shortest secret accepted: 256 bits, the size of the HS256 key.
pub const MIN_SECRET_LEN: usize = 32;
/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
const LEEWAY: u64 = 30;

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub role: Role,
    /// The user's token generation at issue (see `users.token_generation`).
    #[serde(rename = "gen")]
    pub generation: i64,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// What a preview link says: one item, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PreviewClaims {
    /// The news item's id.
    sub: String,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
}

/// Why a secret was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("NEWSDESK_JWT_SECRET must be at least {MIN_SECRET_LEN} bytes")]
    TooShort,
    #[error("cannot build the token keys: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
    #[error("cannot make a random secret: {0}")]
    Random(#[from] getrandom::Error),
}

/// Signing and verifying keys with their rules.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    preview: Validation,
    pub ttl: Duration,
}

impl Keys {
    /// Keys from the configured secret, or from a random one when there is none (tokens
    /// then die with the process and other replicas refuse them).
    pub fn new(secret: Option<&str>, ttl: Duration) -> Result<Self, KeyError> {
        let secret = match secret {
            Some(secret) if secret.len() < MIN_SECRET_LEN => return Err(KeyError::TooShort),
            Some(secret) => secret.as_bytes().to_vec(),
            None => {
                log::warn!("NEWSDESK_JWT_SECRET is not set: using a random secret; tokens will not survive a restart");
                let mut random = vec![0; 64];
                getrandom::fill(&mut random)?;
                random
            }
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY;
        let mut preview = Validation::new(Algorithm::HS256);
        preview.set_issuer(&[ISSUER]);
        preview.set_audience(&[PREVIEW_AUDIENCE]);
        preview.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // A preview link ends when it says: no skew is granted past it.
        preview.leeway = 0;
        Ok(Self {
            encoding: EncodingKey::from_secret(&secret)?,
            decoding: DecodingKey::from_secret(&secret)?,
            validation,
            preview,
            ttl,
        })
    }

    /// A signed token for a user.
    pub fn issue(&self, user_id: UserId, role: Role, generation: i64) -> Result<String, jsonwebtoken::errors::Error> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            generation,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            nbf: now,
            exp: now + i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The claims of a valid token; `None` for anything else (forged, expired, not yet
    /// valid, another algorithm, another issuer or audience, a token issued in the future).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?.claims;
        // `iat` is required but not checked by the library: refuse tokens from the future.
        (claims.iat <= Utc::now().timestamp() + LEEWAY as i64).then_some(claims)
    }

    /// A signed preview link's token for one news item, valid for `ttl`.
    pub fn issue_preview(&self, id: NewsId, ttl: Duration) -> Result<String, jsonwebtoken::errors::Error> {
        let now = Utc::now().timestamp();
        let claims = PreviewClaims {
            sub: id.to_string(),
            iss: ISSUER.into(),
            aud: PREVIEW_AUDIENCE.into(),
            iat: now,
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The item a valid preview token names; `None` for anything else (expired, forged, an
    /// access token).
    pub fn verify_preview(&self, token: &str) -> Option<NewsId> {
        let claims = jsonwebtoken::decode::<PreviewClaims>(token, &self.decoding, &self.preview).ok()?.claims;
        claims.sub.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::new(Some("0123456789abcdef0123456789abcdef"), Duration::from_secs(60)).unwrap()
    }

    #[test]
    fn issued_tokens_verify() {
        let keys = keys();
        let claims = keys.verify(&keys.issue(UserId(7), Role::Editor, 3).unwrap()).unwrap();
        assert_eq!((claims.sub.as_str(), claims.role, claims.generation), ("7", Role::Editor, 3));
        assert_eq!(claims.exp - claims.iat, 60);
    }

    #[test]
    fn preview_tokens_and_access_tokens_do_not_stand_in_for_each_other() {
        let keys = keys();
        let preview = keys.issue_preview(NewsId(7), Duration::from_secs(60)).unwrap();
        assert_eq!(keys.verify_preview(&preview), Some(NewsId(7)));
        assert!(keys.verify(&preview).is_none());
        let access = keys.issue(UserId(1), Role::Admin, 0).unwrap();
        assert_eq!(keys.verify_preview(&access), None);
        let expired = keys.issue_preview(NewsId(7), Duration::ZERO).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(keys.verify_preview(&expired), None);
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(matches!(Keys::new(Some("too short"), Duration::from_secs(60)), Err(KeyError::TooShort)));
        assert!(Keys::new(None, Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn other_keys_and_garbage_do_not_verify() {
        let token = keys().issue(UserId(1), Role::Admin, 0).unwrap();
        let other = Keys::new(Some("another secret of thirty-two bytes!"), Duration::from_secs(60)).unwrap();
        assert!(other.verify(&token).is_none());
        assert!(keys().verify("garbage").is_none());
        assert!(keys().verify("").is_none());
    }
}
