//! The `newsdesk` binary: reads settings, starts logging, runs the chosen command.

use std::process::ExitCode;
use std::time::Duration;

use actix_web::HttpServer;
use clap::Parser;
use newsdesk::app::Service;
use newsdesk::config::{Cli, Command, Settings};

fn main() -> ExitCode {
    let cli = Cli::parse();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.settings),
        Command::Openapi => {
            print!("{}", newsdesk::openapi::json(&newsdesk::api::document()));
            Ok(())
        }
        Command::User(command) => newsdesk::cli::user(&cli.settings, command).map(|outcome| println!("{outcome}")),
        Command::Backup { path } => newsdesk::cli::backup(&cli.settings, &path).map(|outcome| println!("{outcome}")),
        // Standard output may carry the export itself: the outcome goes to the log.
        Command::Export { file } => {
            newsdesk::cli::export(&cli.settings, file.as_deref()).map(|outcome| log::info!("{outcome}"))
        }
        Command::Import { file } => newsdesk::cli::import(&cli.settings, &file).map(|outcome| println!("{outcome}")),
        Command::Audit(command) => newsdesk::cli::audit(&cli.settings, command).map(|outcome| println!("{outcome}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            log::error!("{err}");
            ExitCode::FAILURE
        }
    }
}

/// Whether a listen address is reachable from this machine only.
fn is_loopback(bind: &str) -> bool {
    bind.parse::<std::net::SocketAddr>().is_ok_and(|addr| addr.ip().is_loopback()) || bind.starts_with("localhost:")
}

#[actix_web::main]
async fn serve(settings: &Settings) -> Result<(), Box<dyn std::error::Error>> {
    let service = Service::start(settings).await?;
    log::info!("serving on http://{} (public URL {})", settings.bind, settings.public_url());
    actix_web::rt::spawn(service.clone().expire_hourly());
    actix_web::rt::spawn(service.clone().sweep_sign_in_failures());
    actix_web::rt::spawn(service.clone().record_key_uses());
    actix_web::rt::spawn(service.clone().share_key_counts());
    actix_web::rt::spawn(service.clone().watch_other_processes());
    actix_web::rt::spawn(service.clone().publish_due());
    actix_web::rt::spawn(service.clone().push());
    actix_web::rt::spawn(service.clone().distribute_feeds());
    // SIGTERM and SIGINT stop accepting, let in-flight requests finish (up to the shutdown
    // timeout), then the pool closes with the process.
    if let Some(bind) = &settings.metrics_bind {
        let metrics = service.clone();
        let server = HttpServer::new(move || metrics.clone().metrics_app()).bind(bind)?.workers(1).disable_signals();
        log::info!("serving /metrics on http://{bind}");
        actix_web::rt::spawn(server.run());
    } else if settings.metrics_token.is_none() && !is_loopback(&settings.bind) {
        log::warn!(
            "/metrics is open to every client; set NEWSDESK_METRICS_TOKEN or NEWSDESK_METRICS_BIND (see docs/DEPLOYMENT.md)"
        );
    }
    let workers = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    HttpServer::new(move || service.clone().app())
        // A streamed answer (a media file) is written as its head, then its body: with Nagle's
        // algorithm on, the body waited for the client's delayed ACK, 40 ms a request on a
        // kept-alive connection. (Read when binding: it comes first.)
        .tcp_nodelay(true)
        .bind(&settings.bind)?
        .workers(workers)
        // Store calls run on these threads (each worker has its own), and no more of them can
        // run than the pool has connections: more threads would only wait, and each thread that
        // allocates may hold freed memory in a malloc arena of its own.
        .worker_max_blocking_threads((newsdesk::db::POOL_SIZE as usize).div_ceil(workers))
        .client_request_timeout(Duration::from_secs(10))
        .shutdown_timeout(30)
        .run()
        .await?;
    Ok(())
}
