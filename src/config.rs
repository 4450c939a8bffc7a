//! Settings, read once at start-up from flags or environment variables:
//!
//! | variable | flag | default |
//! |---|---|---|
//! | `NEWSDESK_BIND` | `--bind` | `127.0.0.1:8080` |
//! | `NEWSDESK_DATABASE_URL` | `--database-url` | `sqlite://newsdesk.db` |
//! | `NEWSDESK_SEED` | `--seed` | `demo` (`none` starts empty) |
//! | `NEWSDESK_PUBLIC_URL` | `--public-url` | `http://{bind}` |
//! | `NEWSDESK_CORS_ORIGINS` | `--cors-origins` | `*` |
//! | `RUST_LOG` | | `info` |

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// `sqlite://PATH`.
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
}

impl Settings {
    /// The base of absolute links, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// Allowed CORS origins; empty means any.
    pub fn cors_origins(&self) -> Vec<String> {
        self.cors_origins.split(',').map(str::trim).filter(|o| !o.is_empty() && *o != "*").map(str::to_owned).collect()
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
    fn cors_origins() {
        let cli = Cli::try_parse_from(["newsdesk", "--cors-origins", "https://a.example, https://b.example"]).unwrap();
        assert_eq!(cli.settings.cors_origins(), ["https://a.example", "https://b.example"]);
        let cli = Cli::try_parse_from(["newsdesk"]).unwrap();
        assert!(cli.settings.cors_origins().is_empty());
    }
}
