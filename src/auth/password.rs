//! Password hashing with Argon2id. Hashes are PHC strings that carry their own salt and
//! parameters; a password is never stored, logged nor returned.
//!
//! Hashing is slow by design (tens of milliseconds of CPU), so it runs on threads of its own,
//! at most `hashers()` at once: a burst of sign-ins waits its turn instead of taking the
//! threads that database work runs on, or every core.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::{Semaphore, oneshot};

use crate::error::ApiError;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 1024;

/// Checks a new password against the length rules.
pub fn check(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Err(format!("must be {MIN_LEN} to {MAX_LEN} characters"));
    }
    Ok(())
}

/// The PHC string of a password, with a fresh random salt.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    Ok(Argon2::default().hash_password(password.as_bytes())?.to_string())
}

/// The hash of a random password no one knows, with the default parameters: checked when
/// there is no user, so that an unknown name costs the same as a wrong password.
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$6OjdBNBr0cm8WWf0+i2hug$Chrs162jvkv8GCSZz8cnNOzqe8MTRNcCYbaJlhPY20Y";

/// Whether the password matches a stored hash. With no hash (unknown user), the dummy hash
/// is checked instead so that both failures take about the same time.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let matches = Argon2::default().verify_password(password.as_bytes(), stored.unwrap_or(DUMMY)).is_ok();
    matches && stored.is_some()
}

/// Hashes computed at once: half the cores, at least one.
fn hashers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

static HASHING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(hashers()));

/// Runs Argon2 work on a thread of its own once a hashing permit is free. (A thread costs
/// microseconds; the hash, tens of milliseconds.)
async fn bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    let _permit = HASHING.acquire().await.map_err(ApiError::internal)?;
    let (done, result) = oneshot::channel();
    std::thread::Builder::new()
        .name("password-hash".into())
        .spawn(move || done.send(work()))
        .map_err(ApiError::internal)?;
    result.await.map_err(ApiError::internal)
}

/// `hash`, on a hashing thread.
pub async fn hash_bounded(password: String) -> Result<String, ApiError> {
    bounded(move || hash(&password)).await?.map_err(|e| ApiError::internal(std::io::Error::other(e.to_string())))
}

/// `verify`, on a hashing thread.
pub async fn verify_bounded(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    bounded(move || verify(&password, stored.as_deref())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("correct horse battery", Some(&a)));
        assert!(!verify("wrong horse battery", Some(&a)));
        assert!(!verify("correct horse battery", None));
        assert!(!verify("x", Some("not a phc string")));
    }

    #[test]
    fn the_dummy_hash_has_the_default_parameters() {
        let dummy = argon2::password_hash::phc::PasswordHash::new(DUMMY).unwrap();
        let real = hash("any password at all").unwrap();
        let real = argon2::password_hash::phc::PasswordHash::new(&real).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.params.to_string(), real.params.to_string());
    }

    #[test]
    fn length_rules() {
        assert!(check("short").is_err());
        assert!(check("long enough!").is_ok());
        assert!(check(&"x".repeat(1025)).is_err());
    }
}
