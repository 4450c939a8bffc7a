//! Where deliveries may go. A webhook's URL (or a WebSub callback) is checked when it is
//! stored, and every delivery resolves the name again and connects only to the addresses it
//! checked: a name that later resolves to a private address (DNS rebinding) is refused then.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::webhooks::is_public;

/// The longest URL a webhook may have.
pub const MAX_URL: usize = 2048;

/// Checks the form of a target URL: absolute `http` or `https`, a host, no credentials.
pub fn parse(text: &str) -> Result<url::Url, String> {
    if text.len() > MAX_URL {
        return Err(format!("must be at most {MAX_URL} bytes"));
    }
    let url = url::Url::parse(text.trim()).map_err(|err| format!("is not an absolute URL ({err})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if url.host().is_none() {
        return Err("must name a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials (they would show in logs); the signature authenticates us".into());
    }
    Ok(url)
}

/// Resolves the URL's host and checks every address it has (unless private ones are allowed).
pub async fn check(url: &url::Url, allow_private: bool) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|err| format!("cannot be resolved ({err})"))?
        .collect();
    if addrs.is_empty() {
        return Err("resolves to no address".into());
    }
    if allow_private {
        return Ok(());
    }
    match addrs.iter().find(|addr| !is_public(addr.ip())) {
        Some(addr) => Err(format!(
            "resolves to {}, a loopback, private, link-local or metadata address (NEWSDESK_WEBHOOK_ALLOW_PRIVATE=true \
             allows them)",
            addr.ip()
        )),
        None => Ok(()),
    }
}

/// The resolver of the delivery client: the system's, keeping only public addresses (all,
/// when private ones are allowed). A name left with none fails to connect.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly {
    pub allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> =
                found.iter().copied().filter(|addr| allow_private || is_public(addr.ip())).collect();
            if kept.is_empty() {
                let refused: Box<dyn std::error::Error + Send + Sync> =
                    format!("{} resolves to no public address", name.as_str()).into();
                return Err(refused);
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether a URL's host, when it is an address rather than a name (which the resolver never
/// sees), may be sent to.
pub fn literal_allowed(url: &reqwest::Url, allow_private: bool) -> bool {
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
        _ => return true,
    };
    allow_private || is_public(ip)
}

/// The HTTP client of every delivery: no redirects followed, no proxy from the environment,
/// 10 s for the whole exchange, addresses checked by `PublicOnly`.
pub fn client(allow_private: bool) -> Result<reqwest::Client, reqwest::Error> {
    crate::tls::install();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(std::time::Duration::from_secs(10))
        .connect_timeout(std::time::Duration::from_secs(5))
        .user_agent(concat!("newsdesk/", env!("CARGO_PKG_VERSION"), " (webhooks)"))
        .dns_resolver(Arc::new(PublicOnly { allow_private }))
        .build()
}
