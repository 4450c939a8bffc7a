//! The client's address: the connection's peer, unless the peer is one of the reverse proxies
//! named in `NEWSDESK_TRUSTED_PROXIES`; then the address that proxy forwarded (`Forwarded`,
//! else `X-Forwarded-For`), read from the right past every trusted hop. Anyone else's
//! forwarding headers are ignored, so a client cannot pick the address its limits count under.
//! The rate limit, the sign-in throttle and the access log all use it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderMap};
use actix_web::web;
use ipnet::IpNet;

/// The reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`, given the request's headers.
    fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in forwarded_hops(headers).into_iter().rev() {
            // A hop that cannot be read ends the walk at the last one that could.
            let Some(hop) = hop else { break };
            client = hop;
            if !self.trusts(hop) {
                break;
            }
        }
        client
    }
}

/// The addresses a request passed through, oldest first: `Forwarded`'s `for=` parameters if
/// it has any, else `X-Forwarded-For`. `None` for an entry that is not an address (an
/// obfuscated or unknown node).
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name| headers.get_all(name).filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(','));
    let standard: Vec<_> = values(header::FORWARDED)
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim().eq_ignore_ascii_case("for").then(|| node_address(value.trim().trim_matches('"')))
            })
        })
        .collect();
    if !standard.is_empty() {
        return standard;
    }
    values(header::X_FORWARDED_FOR).map(|v| node_address(v.trim())).collect()
}

/// The address of a node as `Forwarded` or `X-Forwarded-For` write it: `192.0.2.1`,
/// `192.0.2.1:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn node_address(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = IpAddr::from_str(node) {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| Ipv6Addr::from_str(ip).ok()).map(IpAddr::V6);
    }
    node.rsplit_once(':').and_then(|(ip, _)| Ipv4Addr::from_str(ip).ok()).map(IpAddr::V4)
}

/// The address of the client that sent `req`.
pub fn address(req: &HttpRequest) -> IpAddr {
    let peer = req.peer_addr().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |addr| addr.ip());
    match req.app_data::<web::Data<TrustedProxies>>() {
        Some(proxies) => proxies.client(peer, req.headers()),
        None => peer,
    }
}

/// What a client's limits are counted under: its address, or for IPv6 its /64, the prefix
/// one subscriber is given (who could otherwise take a fresh address per request).
pub fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let prefix = v6.to_bits() & !(u128::MAX >> 64);
            IpAddr::V6(Ipv6Addr::from_bits(prefix))
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap(), "192.0.2.7/32".parse().unwrap()])
    }

    #[test]
    fn only_trusted_proxies_may_name_the_client() {
        let forwarded = headers(&[("x-forwarded-for", "203.0.113.5")]);
        assert_eq!(proxies().client(ip("198.51.100.1"), &forwarded), ip("198.51.100.1"));
        assert_eq!(proxies().client(ip("10.1.2.3"), &forwarded), ip("203.0.113.5"));
        assert_eq!(TrustedProxies::default().client(ip("10.1.2.3"), &forwarded), ip("10.1.2.3"));
    }

    #[test]
    fn the_walk_skips_trusted_hops_and_stops_at_the_first_other() {
        // A client's own X-Forwarded-For entry (the spoofed 1.1.1.1) is left of the real one.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.5, 10.0.0.2")]);
        assert_eq!(proxies().client(ip("10.0.0.1"), &chain), ip("203.0.113.5"));
        let standard = headers(&[("forwarded", r#"for=1.1.1.1, for="[2001:db8::1]:4711";proto=https"#)]);
        assert_eq!(proxies().client(ip("192.0.2.7"), &standard), ip("2001:db8::1"));
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(proxies().client(ip("10.0.0.1"), &unknown), ip("10.0.0.1"));
    }

    #[test]
    fn node_forms() {
        assert_eq!(node_address("192.0.2.1:80"), Some(ip("192.0.2.1")));
        assert_eq!(node_address("[::1]:80"), Some(ip("::1")));
        assert_eq!(node_address("::1"), Some(ip("::1")));
        assert_eq!(node_address("_hidden"), None);
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("2001:db8:1:2:bbbb::9")), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
