//! The process's TLS provider, for what newsdesk sends out: webhook and WebSub deliveries, and
//! requests to a media bucket.

/// Makes ring the provider; the first call installs it, later ones find it there.
#[expect(
    deprecated,
    reason = "ring's provider lacks post-quantum key exchange; what deliveries carry is public once published, and \
              aws-lc-rs (which has it) adds minutes of C to every clean build"
)]
pub fn install() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
