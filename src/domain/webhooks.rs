//! Webhooks, the rules of: what a partner can subscribe to, how a delivery is signed (the
//! Standard Webhooks scheme, so receivers can use its published libraries), which addresses
//! deliveries may go to, and when a failed one is tried again.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a webhook can be sent.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
    strum::VariantArray,
)]
pub enum EventType {
    /// A news item became public: created published, its scheduled time came, or brought back.
    #[serde(rename = "news.published")]
    #[strum(serialize = "news.published")]
    NewsPublished,
    /// A public item changed.
    #[serde(rename = "news.updated")]
    #[strum(serialize = "news.updated")]
    NewsUpdated,
    /// A public item went back to draft, or was scheduled for later.
    #[serde(rename = "news.unpublished")]
    #[strum(serialize = "news.unpublished")]
    NewsUnpublished,
    /// An item partners have seen was moved to the trash, or purged from it.
    #[serde(rename = "news.deleted")]
    #[strum(serialize = "news.deleted")]
    NewsDeleted,
    /// An organization's profile, one of its bodies or one of its offices changed.
    #[serde(rename = "organization.updated")]
    #[strum(serialize = "organization.updated")]
    OrganizationUpdated,
}

/// The type of the test delivery `POST /webhooks/{id}/ping` sends.
pub const PING: &str = "ping";

/// Events are stored as a comma list of their names.
pub fn stored(events: &[EventType]) -> String {
    events.iter().map(<&str>::from).collect::<Vec<_>>().join(",")
}

pub fn from_stored(text: &str) -> Result<Vec<EventType>, strum::ParseError> {
    text.split(',').filter(|s| !s.is_empty()).map(str::parse).collect()
}

/// Which news events a webhook wants: an empty list lets every value through. They do not
/// apply to `organization.updated`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// Slugs of topics: only items in one of them.
    #[serde(default)]
    #[schema(example = json!(["terrorism"]))]
    pub topic: Vec<String>,
    /// Slugs of regions: only items in one of them.
    #[serde(default)]
    #[schema(example = json!(["africa"]))]
    pub region: Vec<String>,
    /// Language tags (BCP 47): only items in one of them.
    #[serde(default)]
    #[schema(example = json!(["en"]))]
    pub lang: Vec<String>,
}

/// What a news event is about, as filters see it: slugs, and the item's language.
#[derive(Debug, Clone)]
pub struct Subject {
    pub topic: Option<String>,
    pub region: Option<String>,
    pub lang: String,
}

impl Filters {
    pub fn admit(&self, subject: &Subject) -> bool {
        let admits = |allowed: &[String], value: Option<&str>| {
            allowed.is_empty() || value.is_some_and(|v| allowed.iter().any(|a| a.eq_ignore_ascii_case(v)))
        };
        admits(&self.topic, subject.topic.as_deref())
            && admits(&self.region, subject.region.as_deref())
            && admits(&self.lang, Some(&subject.lang))
    }
}

/// What signs deliveries: `whsec_` and the base64 of 32 random bytes, as Standard Webhooks
/// libraries take it.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random)?;
    Ok(format!("{SECRET_MARK}{}", STANDARD.encode(random)))
}

const SECRET_MARK: &str = "whsec_";

/// A new event's `webhook-id` (`msg_` and hex), unique among every process's: a random prefix
/// drawn once per process, then a count. Events are written in the writer's transaction,
/// which this spares a call into the system per event.
pub fn message_id() -> Result<String, getrandom::Error> {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let prefix = match PREFIX.get() {
        Some(prefix) => prefix,
        None => {
            let drawn = super::random_hex(12)?;
            PREFIX.get_or_init(|| drawn)
        }
    };
    Ok(format!("msg_{prefix}{:012x}", COUNT.fetch_add(1, Ordering::Relaxed)))
}

/// The `webhook-signature` of a delivery: `v1,` and the base64 HMAC-SHA256, keyed by the
/// secret's bytes, of `id.timestamp.body`; one such per secret, space-separated.
pub fn signature<'a>(secrets: impl IntoIterator<Item = &'a str>, id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .into_iter()
        .filter_map(|secret| {
            let key = STANDARD.decode(secret.strip_prefix(SECRET_MARK).unwrap_or(secret)).ok()?;
            let mac = hmac_sha256(&key, &[format!("{id}.{timestamp}.").as_bytes(), body]);
            Some(format!("v1,{}", STANDARD.encode(mac)))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `X-Hub-Signature` of a WebSub push: `sha256=` and the hex HMAC-SHA256 of the body,
/// keyed by the subscriber's `hub.secret`.
pub fn hub_signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", super::hex(&hmac_sha256(secret.as_bytes(), &[body])))
}

fn hmac_sha256(key: &[u8], message: &[&[u8]]) -> Vec<u8> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail.
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key) else { return Vec::new() };
    for part in message {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// Whether deliveries may go to this address: not this machine, not a private, shared,
/// link-local (cloud metadata lives there) or unique-local network, nothing reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b); // 100.64.0.0/10, carrier-grade NAT (and Alibaba's metadata)
    let benchmarking = a == 198 && (b == 18 || b == 19); // 198.18.0.0/15
    let reserved = a >= 240 || a == 0; // 240.0.0.0/4, 0.0.0.0/8
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || shared
        || benchmarking
        || reserved
        || (a == 192 && b == 0 && ip.octets()[2] == 0)) // 192.0.0.0/24, protocol assignments
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let [first, second, ..] = ip.segments();
    let unique_local = first & 0xfe00 == 0xfc00; // fc00::/7 (AWS's metadata is fd00:ec2::254)
    let link_local = first & 0xffc0 == 0xfe80; // fe80::/10
    let site_local = first & 0xffc0 == 0xfec0; // fec0::/10, deprecated but routed by some
    let local_nat64 = first == 0x64 && second == 0xff9b && ip.segments()[2] == 1; // 64:ff9b:1::/48
    let teredo = first == 0x2001 && second == 0; // 2001::/32 tunnels to any IPv4 address
    let discard = matches!(ip.segments(), [0x100, 0, 0, 0, ..]); // 100::/64
    let documentation = first == 0x2001 && second == 0x0db8;
    // NAT64 (64:ff9b::/96), 6to4 (2002::/16) and IPv4-translated (::ffff:0:a.b.c.d) addresses
    // carry an IPv4 address: judged by it.
    let v4 = |hi: u16, lo: u16| Some(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    let embedded = match ip.segments() {
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] | [0, 0, 0, 0, 0xffff, 0, hi, lo] => v4(hi, lo),
        [0x2002, hi, lo, ..] => v4(hi, lo),
        _ => None,
    };
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || unique_local
        || link_local
        || site_local
        || local_nat64
        || teredo
        || discard
        || documentation
        || ip.to_ipv4().is_some_and(|v4| !is_public_v4(v4))
        || embedded.is_some_and(|v4| !is_public_v4(v4)))
}

/// Where deliveries may go and how failures are handled, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Loopback, private and link-local targets allowed (tests, intranets).
    pub allow_private: bool,
    pub retries: Retries,
    /// A webhook whose deliveries have all failed for this long is disabled.
    pub disable_after: chrono::Duration,
}

/// When failed deliveries are tried again: after about `base`, then about double each time up
/// to an hour (or `base` × 720 if less), for at least 24 hours from the first attempt (or
/// `base` × 17,280 if more): at the default base of 5 s, 34 attempts over 24 hours.
#[derive(Debug, Clone, Copy)]
pub struct Retries {
    pub base: Duration,
}

impl Retries {
    /// The delay after failed attempt number `attempt` (1 for the first), spread by ±20% at
    /// random so that failures at the same moment are not retried together; `None` once the
    /// delivery has been tried for long enough (`elapsed` since its first attempt).
    pub fn after(self, attempt: u32, elapsed: Duration) -> Option<Duration> {
        const DAY: Duration = Duration::from_secs(86_400);
        const HOUR: Duration = Duration::from_secs(3_600);
        if elapsed >= DAY.max(self.base.saturating_mul(17_280)) {
            return None;
        }
        let doubled = self.base.saturating_mul(1 << attempt.saturating_sub(1).min(20));
        let delay = doubled.min(HOUR.min(self.base.saturating_mul(720)));
        let jitter = f64::from(getrandom::u32().unwrap_or(u32::MAX / 2)) / f64::from(u32::MAX);
        Some(delay.mul_f64(0.8 + 0.4 * jitter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let signed = signature([secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body);
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let two = signature([secret, secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body);
        assert_eq!(two, format!("{signed} {signed}"));
    }

    #[test]
    fn hub_signatures_are_hex_hmacs() {
        // RFC 4231, test case 2.
        let signed = hub_signature("Jefe", b"what do ya want for nothing?");
        assert_eq!(signed, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn private_and_metadata_addresses_are_refused() {
        let refused = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "224.0.0.1",
            "198.18.0.1",
        ];
        for ip in refused {
            assert!(!is_public(ip.parse().unwrap()), "{ip} allowed");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip} refused");
        }
    }

    #[test]
    fn retries_double_up_to_an_hour_for_a_day() {
        let within = |delay: Option<Duration>, secs: f64| {
            let delay = delay.unwrap().as_secs_f64();
            assert!((secs * 0.8..=secs * 1.2).contains(&delay), "{delay} not within 20% of {secs}");
        };
        let retries = Retries { base: Duration::from_secs(5) };
        within(retries.after(1, Duration::ZERO), 5.0);
        within(retries.after(2, Duration::ZERO), 10.0);
        within(retries.after(3, Duration::ZERO), 20.0);
        within(retries.after(30, Duration::ZERO), 3600.0);
        let (mut elapsed, mut attempts) = (Duration::ZERO, 1);
        while let Some(delay) = retries.after(attempts, elapsed) {
            elapsed += delay;
            attempts += 1;
        }
        assert!((28..=40).contains(&attempts), "{attempts}");
        assert!(elapsed >= Duration::from_secs(24 * 3600) && elapsed < Duration::from_secs(26 * 3600), "{elapsed:?}");
        // A short base retries more often, never for less than a day.
        let fast = Retries { base: Duration::from_millis(100) };
        within(fast.after(30, Duration::ZERO), 72.0);
        assert!(fast.after(1, Duration::from_secs(23 * 3600)).is_some());
        assert!(fast.after(1, Duration::from_secs(24 * 3600)).is_none());
    }

    #[test]
    fn filters_admit_what_they_name() {
        let filters = Filters { topic: vec!["terrorism".into()], ..Filters::default() };
        let subject =
            |topic: Option<&str>| Subject { topic: topic.map(str::to_owned), region: None, lang: "en".into() };
        assert!(filters.admit(&subject(Some("terrorism"))));
        assert!(!filters.admit(&subject(Some("cybercrime"))));
        assert!(!filters.admit(&subject(None)));
        assert!(Filters::default().admit(&subject(None)));
    }
}
