"""The newsdesk side of a benchmark: a fresh database per size (SQLite or PostgreSQL), the
import into it, the server process with its start-up time and peak memory, and plain HTTP
calls to it for the requests that prepare each workload."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "bench password 123"
JWT_SECRET = "newsdesk-bench-jwt-secret-of-at-least-32-bytes"
HTTP_TIMEOUT = 60
READY_POLL_SECONDS = 0.003
READY_TIMEOUT = 600  # a first start after an import at a million items makes the counts and the search index
STOP_TIMEOUT = 20
PSQL_TIMEOUT = 600  # dropping a database of a million items takes a while


class BenchError(Exception):
    """Something that stops a benchmark size: the message says what and where to look."""


def free_port():
    """A loopback port that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Database:
    """A fresh, empty database for one size. SQLite by default, in a temporary directory
    removed afterwards; or the one a URL template names, re-created here and left in place
    afterwards so that slow queries can be examined. Re-creating means destroying, so the
    name must contain "bench": a mistyped template cannot wipe a real database."""

    def __init__(self, size, template=None):
        self.size = size
        self.tempdir = None
        if template is None:
            self.tempdir = tempfile.mkdtemp(prefix=f"newsdesk-bench-{size}-")
            self.url = f"sqlite://{os.path.join(self.tempdir, 'bench.db')}"
        else:
            self.url = template.replace("{size}", str(size))
        self.scheme = urllib.parse.urlsplit(self.url).scheme
        if self.scheme not in ("sqlite", "postgres", "postgresql"):
            raise BenchError(f"unsupported database URL {self.url!r}: expected sqlite:// or postgres://")
        if "bench" not in os.path.basename(self._name()):
            raise BenchError(f"refusing to re-create {self._name()!r}: its name must contain 'bench'")

    @property
    def is_postgres(self):
        return self.scheme != "sqlite"

    def _name(self):
        """The SQLite file path, or the PostgreSQL database name."""
        if self.is_postgres:
            return urllib.parse.unquote(urllib.parse.urlsplit(self.url).path.lstrip("/"))
        return self.url[len("sqlite://"):]

    def _server_url(self, database):
        """The same server and credentials, another database (for DROP/CREATE DATABASE)."""
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(database)))

    def _psql(self, url, sql):
        result = subprocess.run(["psql", url, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                capture_output=True, text=True, timeout=PSQL_TIMEOUT,
                                env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
        if result.returncode != 0:
            raise BenchError(f"psql failed on {sql!r}: {result.stderr.strip()}")
        return result.stdout.strip()

    def recreate(self):
        """Makes the database exist and be empty, as `newsdesk import` requires."""
        name = self._name()
        if self.is_postgres:
            quoted = '"' + name.replace('"', '""') + '"'
            maintenance = self._server_url("postgres")
            # FORCE ends connections a previous, interrupted run may have left.
            self._psql(maintenance, f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
            self._psql(maintenance, f"CREATE DATABASE {quoted}")
        else:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(name + suffix):
                    os.remove(name + suffix)
            os.makedirs(os.path.dirname(os.path.abspath(name)), exist_ok=True)

    def size_bytes(self):
        """What the database takes on disk (with SQLite's write-ahead log)."""
        if self.is_postgres:
            return int(self._psql(self.url, "SELECT pg_database_size(current_database())"))
        name = self._name()
        return sum(os.path.getsize(name + s) for s in ("", "-wal") if os.path.exists(name + s))

    def import_file(self, binary, path):
        """Runs `newsdesk import`, the service's own code path for storing rows, and returns
        its wall-clock seconds and its summary line."""
        timeout = 300 + self.size * 0.005
        started = time.monotonic()
        result = subprocess.run([binary, "import", path, "--database-url", self.url], capture_output=True,
                                text=True, timeout=timeout, env={**os.environ, "RUST_LOG": "warn"})
        seconds = time.monotonic() - started
        if result.returncode != 0:
            raise BenchError(f"import failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
        return seconds, (result.stdout.strip() or result.stderr.strip()).splitlines()[-1]

    def settle(self):
        """Brings the database to the state a server running on it would soon be in anyway.
        On PostgreSQL, that is VACUUM ANALYZE, which autovacuum runs on its own within a minute
        or two of a bulk import: before it, queries are planned without statistics and every
        search also scans the GIN index's pending list of freshly inserted entries (full-text
        search measured 16 times slower on 10,000 items). On SQLite, nothing: the service
        never analyzes its database, so its steady state is without statistics. Returns what
        was done, for the report, or None."""
        if not self.is_postgres:
            return None
        started = time.monotonic()
        self._psql(self.url, "VACUUM ANALYZE")
        return f"VACUUM ANALYZE after the import ({time.monotonic() - started:.1f} s), as autovacuum would do"

    def close(self):
        if self.tempdir is not None:
            shutil.rmtree(self.tempdir, ignore_errors=True)


class Server:
    """One newsdesk server process on a database, its log in a temporary file."""

    def __init__(self, binary, database_url):
        self.binary = binary
        self.database_url = database_url
        self.options = []  # more `newsdesk serve` flags, for the next start
        self.port = None
        self.proc = None
        self.log = tempfile.NamedTemporaryFile(prefix="newsdesk-bench-", suffix=".log", delete=False)
        self.log_lines = []

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        """Starts the server and returns the milliseconds until `/ready` first answers 200,
        polled every few milliseconds so that the figure is not rounded up by the polling."""
        self.port = free_port()
        command = [self.binary, "serve", "--bind", f"127.0.0.1:{self.port}", "--database-url", self.database_url,
                   "--seed", "none", "--rate-limit", "0", "--jwt-secret", JWT_SECRET,
                   "--admin-username", ADMIN_USERNAME, "--admin-password", ADMIN_PASSWORD, *self.options]
        started = time.perf_counter()
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                     env={**os.environ, "RUST_LOG": "warn"})
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"server exited with code {self.proc.returncode} while starting:\n{self.log_tail()}")
            try:
                if self.request("GET", "/ready", timeout=2)[0] == 200:
                    return (time.perf_counter() - started) * 1000
            except OSError:  # not listening yet
                pass
            time.sleep(READY_POLL_SECONDS)
        raise BenchError(f"server not ready within {READY_TIMEOUT} s:\n{self.log_tail()}")

    def stop(self):
        """SIGTERM, then SIGKILL if it does not exit in time; keeps what it logged."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.log_lines.append(f"(bench: still running {STOP_TIMEOUT} s after SIGTERM; killed)")
        self.proc = None
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            self.log_lines += [line.rstrip("\n") for line in f]
        self.log.seek(0)
        self.log.truncate()

    def close(self):
        self.stop()
        self.log.close()
        os.remove(self.log.name)

    def log_tail(self, lines=20):
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def peak_memory_kib(self):
        """VmHWM: the largest resident set the process has had since it started, pages of the
        files it maps included (the SQLite file, the search index)."""
        return self.status_kib("VmHWM")

    def anonymous_memory_kib(self):
        """RssAnon: the process's own memory now, no file's pages in it."""
        return self.status_kib("RssAnon")

    def status_kib(self, name):
        with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(f"{name}:"):
                    return int(line.split()[1])
        raise BenchError(f"no {name} in /proc/PID/status")

    def request(self, method, path, body=None, headers=None, timeout=HTTP_TIMEOUT):
        """One request on a new connection; returns (status, headers as a dict with lowercase
        names, body bytes)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = None if body is None else json.dumps(body).encode()
            all_headers = dict(headers or {})
            if data is not None:
                all_headers["Content-Type"] = "application/json"
            connection.request(method, path, body=data, headers=all_headers)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get_json(self, path):
        """A GET that must answer 200 with JSON, for the preparation requests."""
        status, _, body = self.request("GET", path)
        if status != 200:
            raise BenchError(f"GET {path} answered {status}: {body[:500]!r}")
        return json.loads(body)

    def sign_in(self):
        """The admin's bearer token, for the write workload."""
        status, _, body = self.request("POST", "/api/v1/auth/token",
                                       body={"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD})
        if status != 200:
            raise BenchError(f"sign-in answered {status}: {body[:500]!r}")
        return json.loads(body)["access_token"]
