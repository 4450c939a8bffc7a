//! The built binary as a real server process, for what only a real connection shows (several
//! replicas, slow clients, concurrent sign-ins, start-up refusals), and one-shot HTTP/1.1
//! exchanges with it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{ADMIN, SECRET};

/// A server process, killed when dropped, in a working directory of its own (where it keeps
/// its search index on PostgreSQL).
pub struct Server {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on the loopback interface.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `newsdesk` with exactly these arguments and environment (none of the tests' own).
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_newsdesk"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("NEWSDESK_") || name == "RUST_LOG") {
        command.env_remove(name);
    }
    command.args(args).envs(env.iter().copied()).stdin(Stdio::null());
    command
}

/// Runs `newsdesk` to its end (a start-up that must be refused, say).
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    command(args, env).output().unwrap()
}

impl Server {
    /// `newsdesk serve` on a free port over this database, signing with the test secret and
    /// creating the test admin; not yet waited for (replicas start together).
    pub fn spawn(database_url: &str, args: &[&str]) -> Self {
        let common = ["--database-url", database_url, "--jwt-secret", SECRET];
        let admin = ["--admin-username", ADMIN.0, "--admin-password", ADMIN.1];
        Self::spawn_bare(&[&common[..], &admin, args].concat(), &[])
    }

    /// `newsdesk serve` on a free port with only these arguments and environment.
    pub fn spawn_bare(args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::serve(args, env, Stdio::null())
    }

    /// `spawn_bare`, keeping what the server logs for `into_log`.
    pub fn spawn_logged(args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::serve(args, env, Stdio::piped())
    }

    fn serve(args: &[&str], env: &[(&str, &str)], log: Stdio) -> Self {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let dir = tempfile::tempdir().unwrap();
        let child = command(&[&["serve", "--bind", &bind], args].concat(), env)
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Self { port, child, _dir: dir }
    }

    /// Stops a server started by `spawn_logged` and returns what it logged.
    pub fn into_log(mut self) -> String {
        let _ = self.child.kill();
        let mut log = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            stderr.read_to_string(&mut log).unwrap();
        }
        log
    }

    /// `spawn`, then waits until it is ready.
    pub fn start(database_url: &str, args: &[&str]) -> Self {
        let mut server = Self::spawn(database_url, args);
        server.wait_ready();
        server
    }

    pub fn wait_ready(&mut self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            assert!(self.child.try_wait().unwrap().is_none(), "the server on port {} exited while starting", self.port);
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && self.http("GET", "/ready", &[], None).status == 200
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server on port {} was not ready within 30 s", self.port);
    }

    /// One HTTP/1.1 exchange with this server.
    pub fn http(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Reply {
        http(self.port, method, path, headers, body)
    }
}

/// One HTTP/1.1 exchange on a new connection to this port.
pub fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: newsdesk\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        request.push_str("content-type: application/json\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).unwrap();
    Reply::read(&mut stream)
}

/// What the server answered.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// Reads an answer to its end (the request asked to close the connection).
    pub fn read(stream: &mut TcpStream) -> Self {
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        Self { status, headers, body: raw[split + 4..].to_vec() }
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}
