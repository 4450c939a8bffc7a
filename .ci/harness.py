"""What the checks that run the newsdesk binary from outside (crash.py, load.py) share: the
server process on a SQLite file in a temporary directory, signing in, and the failure they
report with the end of the server log."""
import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib

ADMIN_PASSWORD = "ci check password 123"
JWT_SECRET = "ci-check-secret-at-least-32-bytes-long"
HTTP_TIMEOUT = 30
# A request that fails this way (the server vanished mid-request) got no answer.
CONNECTION_ERRORS = (OSError, http.client.HTTPException)
LOCKED = "database is locked"


class Failure(Exception):
    """A broken promise of the server; the run fails with this message."""


def free_port():
    """A port nothing listens on now; each start takes a new one, so a restart never waits
    for the killed process's socket to go away."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The newsdesk process under test, in a temporary directory of its own and restartable
    on the same database file there; all its logs go to one file, shown when the run fails."""

    def __init__(self, binary, name, database_url=None, extra_args=()):
        self.binary = os.path.abspath(binary)
        self.workdir = tempfile.mkdtemp(prefix=f"newsdesk-{name}-")
        self.db_path = os.path.join(self.workdir, "newsdesk.db")
        self.database_url = database_url or f"sqlite://{self.db_path}"
        self.extra_args = list(extra_args)
        self.log_path = os.path.join(self.workdir, "server.log")
        self.proc = None
        self.port = None

    def start(self, seed):
        """Starts the server with `--seed seed` on a new port; returns once /ready says 200."""
        self.port = free_port()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--bind", f"127.0.0.1:{self.port}",
                 "--database-url", self.database_url, "--seed", seed, "--rate-limit", "0",
                 "--jwt-secret", JWT_SECRET, "--admin-username", "admin", "--admin-password", ADMIN_PASSWORD,
                 *self.extra_args],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env={**os.environ, "RUST_LOG": "info"})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"server exited with code {self.proc.returncode} while starting")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:  # refused while starting, or an HTTPError (a subclass) while not ready
                pass
            time.sleep(0.05)
        raise Failure("server not ready within 10 s")

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def terminate(self, meanwhile=None):
        """SIGTERM; the process must exit with code 0 within 10 s of the signal. `meanwhile`,
        if given, runs right after the signal, so that requests the signal caught in flight
        are checked while the server shuts down. Returns the seconds from signal to exit."""
        signalled = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        if meanwhile is not None:
            meanwhile()
        try:
            code = self.proc.wait(timeout=max(0.0, signalled + 10 - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise Failure("server still running 10 s after SIGTERM") from None
        if code != 0:
            raise Failure(f"server exited with code {code} after SIGTERM")
        return time.monotonic() - signalled

    def stop(self):
        """Last resort on the way out, whatever happened before: the process is killed if
        still running, and its directory removed."""
        if self.proc is not None and self.proc.poll() is None:
            self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, lines=30):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def scan_log(self):
        """The server must not have logged a lock timeout or a panic, even if no client saw it."""
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
        for needle in (LOCKED, "panicked"):
            hits = [line.strip() for line in lines if needle in line.lower()]
            if hits:
                shown = "\n  ".join(hits[:5])
                raise Failure(f"server log has {len(hits)} lines with {needle!r}:\n  {shown}")


def report(check, failure, server):
    """Prints why the check failed, then the end of the server log, which often says more.
    Returns the exit code."""
    print(f"{check}: FAILED: {failure}", file=sys.stderr)
    print(f"--- end of server log ---\n{server.log_tail()}", file=sys.stderr)
    return 1


def call(port, method, path, body=None, token=None):
    """A single request outside the measured work; the answer as JSON."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        raise Failure(f"{method} {path} answered {e.code}: {e.read()[:300]!r}") from None
    except OSError as e:
        raise Failure(f"{method} {path}: {e!r}") from None


def sign_in(port):
    """An access token for the admin the server was started with."""
    return call(port, "POST", "/api/v1/auth/token", {"username": "admin", "password": ADMIN_PASSWORD})["access_token"]


def png(width, height):
    """A PNG of a gradient, made with the standard library."""
    rows = b"".join(b"\0" + b"".join(bytes((x * 4 % 256, y * 4 % 256, 128)) for x in range(width))
                    for y in range(height))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")

