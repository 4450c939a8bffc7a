//! Commands other than `serve`: they work on the database directly, with no server running.

use std::io::BufRead;
use std::path::Path;

use crate::auth::Role;
use crate::config::{AuditCommand, RoleArg, Settings, UserCommand};
use crate::db;
use crate::domain::audit::Actor;
use crate::domain::ids::UserId;
use crate::error::ApiError;
use crate::media::store::{MediaStore, StoreError};
use crate::service::audit;
use crate::service::users::{self, AccountChange};
use crate::state::AppState;

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Editor => Role::Editor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// Runs `newsdesk user ...`, through the same write path as the server.
pub fn user(settings: &Settings, command: UserCommand) -> Result<String, Box<dyn std::error::Error>> {
    let state = AppState::open(settings)?;
    actix_web::rt::System::new().block_on(async move {
        let outcome = match command {
            UserCommand::Add { username, role } => {
                let password = read_password()?;
                let user = users::create(&state, &Actor::service(), &username, password, role.into())
                    .await
                    .map_err(explain)?;
                format!("created {} `{}` (id {})", user.role, user.username, user.id)
            }
            UserCommand::SetRole { username, role } => {
                let change = AccountChange { role: Some(role.into()), ..AccountChange::default() };
                let user = users::change(&state, &Actor::service(), find(&state, &username).await?, change)
                    .await
                    .map_err(explain)?;
                format!("`{}` is now {}", user.username, user.role)
            }
            UserCommand::Disable { username } => {
                let change = AccountChange { disabled: Some(true), ..AccountChange::default() };
                let user = users::change(&state, &Actor::service(), find(&state, &username).await?, change)
                    .await
                    .map_err(explain)?;
                format!("`{}` is disabled", user.username)
            }
        };
        Ok(outcome)
    })
}

/// Runs `newsdesk audit verify`: the trail's every link, or the first entry at fault (an error).
pub fn audit(settings: &Settings, command: AuditCommand) -> Result<String, Box<dyn std::error::Error>> {
    let state = AppState::open(settings)?;
    actix_web::rt::System::new().block_on(async move {
        match command {
            AuditCommand::Verify => match audit::verify(&state).await.map_err(explain)? {
                Ok(verified) => Ok(format!(
                    "the audit trail holds: {} entries checked; the newest is {} with hash {}",
                    verified.entries, verified.head.0, verified.head.1
                )),
                Err(fault) => Err(format!("the audit trail is broken: {fault}").into()),
            },
        }
    })
}

async fn find(state: &AppState, username: &str) -> Result<UserId, Box<dyn std::error::Error>> {
    users::id_of(state, username).await.map_err(explain)?.ok_or_else(|| format!("no user `{username}`").into())
}

/// Runs `newsdesk backup PATH`: a consistent copy of the live database, then checked.
pub fn backup(settings: &Settings, path: &std::path::Path) -> Result<String, Box<dyn std::error::Error>> {
    let target = path.to_str().ok_or("the backup path is not valid UTF-8")?;
    let pool = db::open(&settings.database_url)?;
    // SQLite copies into an empty file that exists: made first, so that it is private.
    private_file(path)?;
    if let Err(err) = db::backup_to(&mut *pool.get()?, target) {
        let _ = std::fs::remove_file(path);
        return Err(err.into());
    }
    match db::integrity_check(target)?.as_str() {
        "ok" => Ok(format!("backed up to {target} (integrity check: ok)")),
        problem => Err(format!("the backup at {target} fails its integrity check: {problem}").into()),
    }
}

/// Runs `newsdesk export [FILE]`: every row, from one consistent snapshot.
pub fn export(settings: &Settings, file: Option<&Path>) -> Result<String, Box<dyn std::error::Error>> {
    let pool = db::open(&settings.database_url)?;
    let conn = &mut *pool.get()?;
    let files = &mut StoreFiles::open(settings)?;
    let counts = match file {
        Some(path) => db::export::export(conn, &mut std::io::BufWriter::new(private_file(path)?), files)?,
        None => db::export::export(conn, &mut std::io::BufWriter::new(std::io::stdout().lock()), files)?,
    };
    Ok(format!("exported {}", describe(&counts)))
}

/// A new file that only its owner may read or write (`0600`): backups and exports hold
/// password hashes, drafts and revisions. An existing file is never overwritten.
fn private_file(path: &Path) -> Result<std::fs::File, String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => format!("{} exists; give a new file", path.display()),
        _ => format!("cannot create {}: {e}", path.display()),
    })
}

/// Runs `newsdesk import FILE`: all or nothing, into an empty database.
pub fn import(settings: &Settings, file: &Path) -> Result<String, Box<dyn std::error::Error>> {
    let conn = &mut db::open_alone(&settings.database_url)?;
    let files = &mut StoreFiles::open(settings)?;
    let counts = if file == Path::new("-") {
        db::export::import(conn, std::io::BufReader::new(std::io::stdin()), files)?
    } else {
        let opened = std::fs::File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
        db::export::import(conn, std::io::BufReader::new(opened), files)?
    };
    Ok(format!("imported {}", describe(&counts)))
}

/// The media store of the settings, for a command that runs outside the server's runtime.
struct StoreFiles {
    runtime: actix_web::rt::SystemRunner,
    store: MediaStore,
}

impl StoreFiles {
    fn open(settings: &Settings) -> Result<Self, StoreError> {
        Ok(Self { runtime: actix_web::rt::System::new(), store: MediaStore::at(&settings.media_location())? })
    }
}

impl db::export::MediaFiles for StoreFiles {
    fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, String> {
        self.runtime.block_on(self.store.read(name)).map_err(|e| e.to_string())
    }

    fn write(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), String> {
        self.runtime.block_on(self.store.put(name, bytes)).map_err(|e| e.to_string())
    }

    fn has(&mut self, name: &str) -> Result<bool, String> {
        Ok(self.runtime.block_on(self.store.size(name)).map_err(|e| e.to_string())?.is_some())
    }
}

fn describe(counts: &db::export::Counts) -> String {
    counts.iter().map(|(table, n)| format!("{n} {table}")).collect::<Vec<_>>().join(", ")
}

/// `NEWSDESK_PASSWORD`, or the first line of standard input: never a command-line argument,
/// which other users of the machine could read.
fn read_password() -> Result<String, Box<dyn std::error::Error>> {
    if let Ok(password) = std::env::var("NEWSDESK_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err("give the password in NEWSDESK_PASSWORD or on standard input".into());
    }
    Ok(password)
}

/// An API error as a sentence for the terminal, with the fields at fault.
fn explain(err: ApiError) -> Box<dyn std::error::Error> {
    let problem = err.problem();
    let fields: Vec<String> = problem.errors.iter().map(|e| format!("{} {}", e.field, e.message)).collect();
    if fields.is_empty() { problem.detail.into() } else { fields.join("; ").into() }
}
