//! Settings, read once at start-up from flags or environment variables:
//!
//! | variable | flag | default |
//! |---|---|---|
//! | `NEWSDESK_BIND` | `--bind` | `127.0.0.1:8080` |
//! | `NEWSDESK_DATABASE_URL` | `--database-url` | `sqlite://newsdesk.db` (or `postgres://...`) |
//! | `NEWSDESK_SEED` | `--seed` | `demo` (`none` starts empty) |
//! | `NEWSDESK_PUBLIC_URL` | `--public-url` | `http://{bind}` |
//! | `NEWSDESK_CORS_ORIGINS` | `--cors-origins` | `*` |
//! | `NEWSDESK_RATE_LIMIT` | `--rate-limit` | `600` anonymous requests per client per minute; `0` is off |
//! | `NEWSDESK_JWT_SECRET` (or `_FILE`) | `--jwt-secret` (`--jwt-secret-file`) | required, except for the demo on SQLite |
//! | `NEWSDESK_TOKEN_TTL` | `--token-ttl` | `3600` seconds |
//! | `NEWSDESK_ADMIN_USERNAME`, `NEWSDESK_ADMIN_PASSWORD` (or `_FILE`) | `--admin-username`, `--admin-password` (`--admin-password-file`) | none |
//! | `NEWSDESK_TRUSTED_PROXIES` | `--trusted-proxies` | none: forwarding headers are ignored |
//! | `NEWSDESK_REVISIONS_KEEP` | `--revisions-keep` | all (at least 2: the current version and the one before) |
//! | `NEWSDESK_METRICS_TOKEN` | `--metrics-token` | none: `/metrics` needs no token |
//! | `NEWSDESK_METRICS_BIND` | `--metrics-bind` | none: `/metrics` is on the main listener |
//! | `NEWSDESK_TRASH_RETENTION_DAYS` | `--trash-retention-days` | `30` (`0` keeps the trash until purged by hand) |
//! | `NEWSDESK_AUDIT_RETENTION_DAYS` | `--audit-retention-days` | `0`: the audit trail is kept whole |
//! | `NEWSDESK_SEARCH_INDEX` | `--search-index` | `NAME.search` beside the SQLite file `NAME` (`search-index` in the working directory on PostgreSQL): one per process |
//! | `NEWSDESK_CACHE_MB` | `--cache-mb` | `16` MiB of anonymous answers kept; `0` is off |
//! | `NEWSDESK_WEBHOOK_ALLOW_PRIVATE` | `--webhook-allow-private` | `false`: webhooks to private addresses are refused |
//! | `NEWSDESK_WEBHOOK_RETRY_BASE` | `--webhook-retry-base` | `5s` before a failed delivery's first retry |
//! | `NEWSDESK_WEBHOOK_DISABLE_AFTER` | `--webhook-disable-after` | `3d` of failing deliveries disable a webhook |
//! | `NEWSDESK_WEBSUB_HUB` | `--websub-hub` | none: feeds name this service's own hub only |
//! | `NEWSDESK_LANGUAGES` | `--languages` | `en`: the site's languages (BCP 47 tags), in fallback order |
//! | `NEWSDESK_MEDIA_STORE` | `--media-store` | `media/` beside the SQLite file (in the working directory on PostgreSQL); or `s3://bucket/prefix` |
//! | `NEWSDESK_MEDIA_PUBLIC_URL` | `--media-public-url` | none: media URLs point at this service |
//! | `NEWSDESK_MEDIA_MAX_BYTES` | `--media-max-bytes` | `20971520` (20 MiB) per upload |
//! | `NEWSDESK_MEDIA_MAX_PIXELS` | `--media-max-pixels` | `50000000` pixels per image |
//! | `NEWSDESK_MEDIA_WIDTHS` | `--media-widths` | `320,640,960,1280,1920`: widths of the variants |
//! | `NEWSDESK_MEDIA_CROPS` | `--media-crops` | none: shapes (`16:9,1:1`) every image is also cut to around its focal point |
//! | `RUST_LOG` | | `info` |

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

use crate::domain::language::Languages;
use crate::domain::webhooks::{Policy, Retries};
use crate::media::process::Ratio;
use crate::media::store::Location;

/// newsdesk: a headless news and organization-profile service.
#[derive(Debug, Parser)]
#[command(name = "newsdesk", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Print the OpenAPI document.
    Openapi,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Write a consistent copy of the database to PATH while the server keeps serving.
    Backup { path: std::path::PathBuf },
    /// Write all content (and accounts) as JSON lines to FILE, or to standard output.
    Export { file: Option<std::path::PathBuf> },
    /// Read an export (FILE, or `-` for standard input) into a new, empty database.
    Import { file: std::path::PathBuf },
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// `newsdesk audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every link of the audit trail's hash chain; name the first entry at fault.
    Verify,
}

/// `newsdesk user ...`: accounts, without the HTTP API (for the first admin, say).
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from NEWSDESK_PASSWORD, or else from the first
    /// line of standard input.
    Add {
        username: String,
        #[arg(long, value_enum, default_value = "editor")]
        role: RoleArg,
    },
    /// Change a user's role.
    SetRole {
        username: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Disable a user: sign-in and every token stop working at once.
    Disable { username: String },
}

/// A role as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Editor,
    Admin,
}

/// What to load into an empty database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Seed {
    /// The demo organization profile and its dated headlines.
    Demo,
    /// Nothing: start empty.
    None,
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "NEWSDESK_BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: String,
    /// `sqlite://PATH` (embedded, the default) or `postgres://USER:PASSWORD@HOST/DB` (scale-out).
    #[arg(long, env = "NEWSDESK_DATABASE_URL", default_value = "sqlite://newsdesk.db", global = true)]
    pub database_url: String,
    /// What to load into an empty database.
    #[arg(long, env = "NEWSDESK_SEED", value_enum, default_value = "demo", global = true)]
    pub seed: Seed,
    /// Base of absolute links (`Location`, `Link`); defaults to `http://{bind}`.
    #[arg(long, env = "NEWSDESK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Comma list of origins browsers may call from; `*` for any.
    #[arg(long, env = "NEWSDESK_CORS_ORIGINS", default_value = "*", global = true)]
    pub cors_origins: String,
    /// Anonymous requests per client address per minute; 0 turns rate limiting off.
    #[arg(long, env = "NEWSDESK_RATE_LIMIT", default_value_t = 600, global = true)]
    pub rate_limit: u32,
    /// Secret that signs access tokens (at least 32 bytes). Required, except that the demo on
    /// SQLite starts without one, with a random secret per process.
    #[arg(long, env = "NEWSDESK_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,
    /// A file holding the token secret (flags show in `ps`; files can be kept private).
    #[arg(long, env = "NEWSDESK_JWT_SECRET_FILE", conflicts_with = "jwt_secret", global = true)]
    pub jwt_secret_file: Option<PathBuf>,
    /// Access-token lifetime in seconds.
    #[arg(long, env = "NEWSDESK_TOKEN_TTL", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(60..=2_592_000), global = true)]
    pub token_ttl: u64,
    /// With `--admin-password`: this admin is created at start if no user has this name.
    #[arg(long, env = "NEWSDESK_ADMIN_USERNAME", global = true)]
    pub admin_username: Option<String>,
    #[arg(long, env = "NEWSDESK_ADMIN_PASSWORD", hide_env_values = true, global = true)]
    pub admin_password: Option<String>,
    /// A file holding the admin's password.
    #[arg(long, env = "NEWSDESK_ADMIN_PASSWORD_FILE", conflicts_with = "admin_password", global = true)]
    pub admin_password_file: Option<PathBuf>,
    /// Comma list of reverse proxies (addresses or CIDR networks) whose `Forwarded` or
    /// `X-Forwarded-For` header names the client; anyone else's is ignored.
    #[arg(long, env = "NEWSDESK_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network, global = true)]
    pub trusted_proxies: Vec<IpNet>,
    /// Revisions kept per news item or organization profile (the newest; at least 2, the
    /// current version and the one before); all when unset.
    #[arg(long, env = "NEWSDESK_REVISIONS_KEEP", value_parser = clap::value_parser!(u32).range(2..), global = true)]
    pub revisions_keep: Option<u32>,
    /// A bearer token that scrapes of `/metrics` must send.
    #[arg(long, env = "NEWSDESK_METRICS_TOKEN", hide_env_values = true, global = true)]
    pub metrics_token: Option<String>,
    /// Serve `/metrics` on this address only (a port that only the scraper reaches).
    #[arg(long, env = "NEWSDESK_METRICS_BIND", global = true)]
    pub metrics_bind: Option<String>,
    /// Days a deleted news item stays restorable in the trash before it is purged; 0 keeps
    /// it until an admin purges it.
    #[arg(long, env = "NEWSDESK_TRASH_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=36_500), global = true)]
    pub trash_retention_days: u32,
    /// Days audit entries are kept before they are cut (the last hash cut anchors the rest); 0
    /// keeps every entry.
    #[arg(long, env = "NEWSDESK_AUDIT_RETENTION_DAYS", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=36_500), global = true)]
    pub audit_retention_days: u32,
    /// The directory of this process's search index, made from the store when missing. Each
    /// process needs its own (replicas on PostgreSQL too). Default: `NAME.search` beside the
    /// SQLite file `NAME`; `search-index` in the working directory on PostgreSQL.
    #[arg(long, env = "NEWSDESK_SEARCH_INDEX", global = true)]
    pub search_index: Option<PathBuf>,
    /// Mebibytes of anonymous answers kept in memory to answer again while nothing changes;
    /// 0 turns the cache off.
    #[arg(long, env = "NEWSDESK_CACHE_MB", default_value_t = 16, value_parser = clap::value_parser!(u64).range(0..=65_536), global = true)]
    pub cache_mb: u64,
    /// Allow webhooks (and their deliveries) to loopback, private and link-local addresses:
    /// for tests and intranets only.
    #[arg(long, env = "NEWSDESK_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub webhook_allow_private: bool,
    /// Delay before a failed delivery's first retry (`500ms`, `5s`, `1m`); each next about
    /// doubles, up to 720 times this, for 17,280 times this in all (24 h at 5 s).
    #[arg(long, env = "NEWSDESK_WEBHOOK_RETRY_BASE", default_value = "5s", value_parser = parse_duration, global = true)]
    pub webhook_retry_base: Duration,
    /// A webhook whose deliveries have all failed for this long is disabled (`72h`, `3d`).
    #[arg(long, env = "NEWSDESK_WEBHOOK_DISABLE_AFTER", default_value = "3d", value_parser = parse_duration, global = true)]
    pub webhook_disable_after: Duration,
    /// An external WebSub hub: feeds name it beside this service's own, and it is pinged
    /// (`hub.mode=publish`) when they change.
    #[arg(long, env = "NEWSDESK_WEBSUB_HUB", value_parser = parse_http_url, global = true)]
    pub websub_hub: Option<String>,
    /// The site's languages as BCP 47 tags, in fallback order (`en,fr,es,ar`); the first is
    /// the language of an item that names none.
    #[arg(long, env = "NEWSDESK_LANGUAGES", default_value = "en", value_parser = Languages::parse, global = true)]
    pub languages: Languages,
    /// Where media files are kept: a directory, or `s3://bucket/prefix` (S3-compatible storage,
    /// configured by the standard AWS variables). Default: `media/` beside the SQLite file (in
    /// the working directory on PostgreSQL).
    #[arg(long, env = "NEWSDESK_MEDIA_STORE", value_parser = Location::parse, global = true)]
    pub media_store: Option<Location>,
    /// Base of media URLs when a CDN or a public bucket serves the files
    /// (`https://cdn.example.org`): every media URL in the API points there.
    #[arg(long, env = "NEWSDESK_MEDIA_PUBLIC_URL", value_parser = parse_http_url, global = true)]
    pub media_public_url: Option<String>,
    /// Largest upload, in bytes (413 over it).
    #[arg(long, env = "NEWSDESK_MEDIA_MAX_BYTES", default_value_t = 20 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..=1 << 30), global = true)]
    pub media_max_bytes: u64,
    /// Most pixels an uploaded image may have (422 over it), checked before it is decoded.
    #[arg(long, env = "NEWSDESK_MEDIA_MAX_PIXELS", default_value_t = 50_000_000, value_parser = clap::value_parser!(u64).range(1..=1 << 32), global = true)]
    pub media_max_pixels: u64,
    /// Widths of the variants made of every image (those not below its own width are skipped).
    #[arg(long, env = "NEWSDESK_MEDIA_WIDTHS", default_value = "320,640,960,1280,1920", value_delimiter = ',', value_parser = clap::value_parser!(u32).range(16..=8192), global = true)]
    pub media_widths: Vec<u32>,
    /// Shapes every image is also cut to around its focal point, in each width (`16:9,1:1`);
    /// none by default.
    #[arg(long, env = "NEWSDESK_MEDIA_CROPS", value_delimiter = ',', value_parser = Ratio::parse, global = true)]
    pub media_crops: Vec<Ratio>,
}

/// The defaults of every flag, as `newsdesk` without flags or environment would start.
impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            database_url: "sqlite://newsdesk.db".into(),
            seed: Seed::Demo,
            public_url: None,
            cors_origins: "*".into(),
            rate_limit: 600,
            jwt_secret: None,
            jwt_secret_file: None,
            token_ttl: 3600,
            admin_username: None,
            admin_password: None,
            admin_password_file: None,
            trusted_proxies: Vec::new(),
            revisions_keep: None,
            metrics_token: None,
            metrics_bind: None,
            trash_retention_days: 30,
            audit_retention_days: 0,
            search_index: None,
            cache_mb: 16,
            webhook_allow_private: false,
            webhook_retry_base: Duration::from_secs(5),
            webhook_disable_after: Duration::from_secs(3 * 86_400),
            websub_hub: None,
            languages: Languages::default(),
            media_store: None,
            media_public_url: None,
            media_max_bytes: 20 * 1024 * 1024,
            media_max_pixels: 50_000_000,
            media_widths: vec![320, 640, 960, 1280, 1920],
            media_crops: Vec::new(),
        }
    }
}

impl Settings {
    /// The base of absolute links, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// The token secret, from the flag or its file.
    pub fn jwt_secret(&self) -> Result<Option<String>, SettingsError> {
        secret(self.jwt_secret.as_deref(), self.jwt_secret_file.as_deref())
    }

    /// The start-up admin's password, from the flag or its file.
    pub fn admin_password(&self) -> Result<Option<String>, SettingsError> {
        secret(self.admin_password.as_deref(), self.admin_password_file.as_deref())
    }

    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl)
    }

    /// How long trashed items stay restorable; `None`: until purged by hand.
    pub fn trash_retention(&self) -> Option<chrono::Duration> {
        (self.trash_retention_days > 0).then(|| chrono::Duration::days(self.trash_retention_days.into()))
    }

    /// How long audit entries are kept; `None`: for ever.
    pub fn audit_retention(&self) -> Option<chrono::Duration> {
        (self.audit_retention_days > 0).then(|| chrono::Duration::days(self.audit_retention_days.into()))
    }

    /// Where webhook deliveries may go, and how failures are handled.
    pub fn push_policy(&self) -> Policy {
        Policy {
            allow_private: self.webhook_allow_private,
            retries: Retries { base: self.webhook_retry_base },
            disable_after: chrono::Duration::from_std(self.webhook_disable_after).unwrap_or(chrono::Duration::MAX),
        }
    }

    /// How uploads are made ready: the pixel limit and the variants' widths, ascending.
    pub fn media_rules(&self) -> crate::media::process::Rules {
        let mut widths = self.media_widths.clone();
        widths.sort_unstable();
        widths.dedup();
        let mut crops: Vec<Ratio> = Vec::new();
        for ratio in &self.media_crops {
            if !crops.contains(ratio) {
                crops.push(*ratio);
            }
        }
        crate::media::process::Rules { max_pixels: self.media_max_pixels, widths, crops }
    }

    /// Where media files are kept.
    pub fn media_location(&self) -> Location {
        if let Some(store) = &self.media_store {
            return store.clone();
        }
        Location::Directory(match crate::db::Location::parse(&self.database_url) {
            Ok(crate::db::Location::Sqlite(file)) => Path::new(&file).parent().unwrap_or(Path::new("")).join("media"),
            _ => PathBuf::from("media"),
        })
    }

    /// Where this process keeps its search index.
    pub fn search_index_dir(&self) -> PathBuf {
        self.search_index.clone().unwrap_or_else(|| crate::search::default_dir(&self.database_url))
    }

    /// Allowed CORS origins; empty means any.
    pub fn cors_origins(&self) -> Vec<String> {
        self.cors_origins.split(',').map(str::trim).filter(|o| !o.is_empty() && *o != "*").map(str::to_owned).collect()
    }
}

/// One network (`10.0.0.0/8`) or address (`10.0.0.1`), as a flag or variable gives it.
pub fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    IpNet::from_str(text)
        .or_else(|_| IpAddr::from_str(text).map(IpNet::from))
        .map_err(|_| format!("`{text}` is not an IP address or a CIDR network"))
}

/// A span of time: a whole number and its unit (`ms`, `s`, `m`, `h`, `d`), more than none.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 =
        number.parse().map_err(|_| format!("`{text}` is not a duration such as 500ms, 5s, 1m, 2h or 3d"))?;
    let unit_ms: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("`{text}` is not a duration such as 500ms, 5s, 1m, 2h or 3d")),
    };
    match number.checked_mul(unit_ms) {
        Some(0) => Err("must be longer than nothing".into()),
        Some(ms) if ms <= 365 * 86_400_000 => Ok(Duration::from_millis(ms)),
        _ => Err(format!("`{text}` is longer than a year")),
    }
}

/// An absolute `http` or `https` URL.
pub fn parse_http_url(text: &str) -> Result<String, String> {
    match url::Url::parse(text.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url.to_string()),
        _ => Err(format!("`{text}` is not an absolute http or https URL")),
    }
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
}

/// A secret given inline or in a file (its last line break is not part of it).
fn secret(inline: Option<&str>, file: Option<&Path>) -> Result<Option<String>, SettingsError> {
    match (inline, file) {
        (Some(secret), _) => Ok(Some(secret.to_owned())),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map(|text| Some(text.trim_end_matches(['\n', '\r']).to_owned()))
            .map_err(|source| SettingsError::File { path: path.to_owned(), source }),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_is_the_default_and_flags_work_everywhere() {
        let cli = Cli::try_parse_from(["newsdesk", "--bind", "127.0.0.1:9000"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.settings.public_url(), "http://127.0.0.1:9000");
        let cli = Cli::try_parse_from(["newsdesk", "serve", "--seed", "none", "--public-url", "https://news.example/"])
            .unwrap();
        assert_eq!(cli.settings.seed, Seed::None);
        assert_eq!(cli.settings.public_url(), "https://news.example");
        assert!(Cli::try_parse_from(["newsdesk", "--seed", "maybe"]).is_err());
    }

    #[test]
    fn the_default_settings_are_the_flags_defaults() {
        let parsed = Cli::try_parse_from(["newsdesk"]).unwrap().settings;
        // Unless the environment running the tests sets one of them.
        if std::env::vars().all(|(name, _)| !name.starts_with("NEWSDESK_") || name.starts_with("NEWSDESK_TEST")) {
            assert_eq!(format!("{parsed:?}"), format!("{:?}", Settings::default()));
        }
    }

    #[test]
    fn secrets_come_from_files_too() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "a secret kept in a file, not in ps\n").unwrap();
        let cli = Cli::try_parse_from(["newsdesk", "--jwt-secret-file", path.to_str().unwrap()]).unwrap();
        assert_eq!(cli.settings.jwt_secret().unwrap().as_deref(), Some("a secret kept in a file, not in ps"));
        let missing = Cli::try_parse_from(["newsdesk", "--admin-password-file", "/nonexistent/file"]).unwrap();
        assert!(missing.settings.admin_password().is_err());
        assert!(Cli::try_parse_from(["newsdesk", "--jwt-secret", "x", "--jwt-secret-file", "y"]).is_err());
    }

    #[test]
    fn trusted_proxies_are_networks_or_addresses() {
        let cli = Cli::try_parse_from(["newsdesk", "--trusted-proxies", "10.0.0.0/8, 192.0.2.7,::1"]).unwrap();
        assert_eq!(cli.settings.trusted_proxies.len(), 3);
        assert!(Cli::try_parse_from(["newsdesk", "--trusted-proxies", "proxy.internal"]).is_err());
        assert!(parse_network("nonsense").is_err());
    }

    #[test]
    fn durations_name_their_unit() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("3d"), Ok(Duration::from_secs(259_200)));
        for bad in ["5", "s", "0s", "-1s", "1.5s", "9999999999999999999d", "400d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        let cli = Cli::try_parse_from(["newsdesk", "--webhook-allow-private", "true", "--webhook-retry-base", "100ms"])
            .unwrap();
        assert!(cli.settings.webhook_allow_private);
        assert!(Cli::try_parse_from(["newsdesk", "--websub-hub", "pubsubhubbub.example"]).is_err());
        assert_eq!(cli.settings.push_policy().retries.base, Duration::from_millis(100));
    }

    #[test]
    fn the_media_store_is_a_directory_or_a_bucket_and_crops_are_shapes() {
        let parsed = |args: &[&str]| Cli::try_parse_from([&["newsdesk"], args].concat()).map(|cli| cli.settings);
        let store = |setting: &str| parsed(&["--media-store", setting]).map(|s| s.media_location());
        assert_eq!(store("/var/lib/newsdesk/media").unwrap(), Location::Directory("/var/lib/newsdesk/media".into()));
        let bucket = Location::S3 { bucket: "news-media".into(), prefix: "site/images".into() };
        assert_eq!(store("s3://news-media/site/images/").unwrap(), bucket);
        assert_eq!(bucket.to_string(), "s3://news-media/site/images", "written back as it is read");
        assert_eq!(
            store("s3://news.media").unwrap(),
            Location::S3 { bucket: "news.media".into(), prefix: String::new() }
        );
        for bad in ["s3://", "s3://ab", "s3://News", "s3://news_media/x", "s3:///prefix"] {
            assert!(store(bad).is_err(), "{bad}");
        }
        let crops = parsed(&["--media-crops", "16:9,1:1,16:9"]).unwrap().media_rules().crops;
        assert_eq!(crops.iter().map(ToString::to_string).collect::<Vec<_>>(), ["16:9", "1:1"], "each shape once");
        for bad in ["16x9", "0:1", "16:", "101:1", "a:b", "16:9:1"] {
            assert!(parsed(&["--media-crops", bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn cors_origins() {
        let cli = Cli::try_parse_from(["newsdesk", "--cors-origins", "https://a.example, https://b.example"]).unwrap();
        assert_eq!(cli.settings.cors_origins(), ["https://a.example", "https://b.example"]);
        let cli = Cli::try_parse_from(["newsdesk"]).unwrap();
        assert!(cli.settings.cors_origins().is_empty());
    }
}
