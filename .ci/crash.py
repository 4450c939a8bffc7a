"""Crash safety: SIGKILLs the server while writes are in flight, restarts it on the same
SQLite file, and checks that every write the server acknowledged (answered 2xx) is still
there with exactly the acknowledged content. A write whose answer never arrived may or may
not have happened; both outcomes are accepted, and whichever one the restarted server shows
becomes the known state. At the end the server must stop cleanly on SIGTERM and the file
must pass SQLite's own integrity check.

Usage: python3 .ci/crash.py BINARY [--kills N] [--writers W]
"""
import argparse
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from harness import CONNECTION_ERRORS, HTTP_TIMEOUT, Failure, Server, report, sign_in

COMPARED = ("title", "summary", "body", "tags", "status", "published_at")
UNICODE = ["Zürich — 東京 ✓", "Ελληνικά «quotes»", "العربية", "emoji 🚀🎉", "naïve café", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "São Paulo ½"]
EXTRA_TAGS = ["crash", "zürich", "東京", "policing", "wal", "écrit"]


class Client:
    """One keep-alive connection speaking JSON with the bearer token."""

    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        return response.status, raw

    def close(self):
        self.conn.close()


@dataclass
class Item:
    """What is known of one stored item: its last acknowledged content, and the content of
    an unacknowledged PATCH that may or may not have been applied."""
    id: int
    state: dict
    pending: dict | None = None


class Ledger:
    """Every acknowledged write of the run, and the counts for the summary. Writers only
    touch their own items, so only the shared counters and the item map need the lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = {}
        self.owned = {}  # writer index -> the items it created, over all rounds
        self.creates = self.updates = 0
        self.unacked_creates = self.unacked_updates = 0

    def created(self, writer, item):
        with self.lock:
            self.items[item.id] = item
            self.owned.setdefault(writer, []).append(item)
            self.creates += 1

    def own(self, writer):
        with self.lock:
            return list(self.owned.get(writer, []))


def random_content(rng, label):
    """A full item whose title and body carry `label`, so every write is distinguishable;
    one body in twenty is large, so some transactions span many database pages."""
    paragraphs = rng.randint(60, 120) if rng.random() < 0.05 else rng.randint(1, 12)
    body = "\n\n".join(f"Paragraph {i} of {label}: *{rng.choice(UNICODE)}* " + "text " * rng.randint(5, 80)
                       for i in range(paragraphs))
    return {
        "title": f"{label} {rng.choice(UNICODE)}",
        "summary": f"Summary of {label} — {rng.choice(UNICODE)}",
        "body": body,
        "tags": [label.split()[0]] + rng.sample(EXTRA_TAGS, rng.randint(1, 3)) + [rng.choice(EXTRA_TAGS)],
        "status": rng.choice(["published", "draft", "archived"]),
        "published_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(rng.randint(946684800, 1893456000))),
    }


def expected(fields):
    """The fields as the server stores them: tags deduplicated and sorted."""
    out = dict(fields)
    if "tags" in out:
        out["tags"] = sorted(set(out["tags"]))
    return out


def compared(item_json):
    return {k: item_json.get(k) for k in COMPARED}


def shorten(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def differences(seen, want):
    """The fields that differ, values shortened: bodies can be long."""
    return "; ".join(f"{k}: got {shorten(seen.get(k))}, want {shorten(want.get(k))}"
                     for k in COMPARED if seen.get(k) != want.get(k))


class _Stopped(Exception):
    """The writer's request failed because the server was killed."""


class Writer(threading.Thread):
    """Creates items as fast as it can and now and then patches one of its own, until the
    server dies under it. Its first connection error ends it: that write is unacknowledged."""

    def __init__(self, round_no, index, port, token, ledger, killed):
        super().__init__(name=f"writer-{index}")
        self.round_no, self.index = round_no, index
        self.port, self.token = port, token
        self.ledger, self.killed = ledger, killed
        self.rng = random.Random()
        self.seq = 0
        self.error = None

    def run(self):
        client = Client(self.port, self.token)
        try:
            while True:
                self.seq += 1
                own = self.ledger.own(self.index)
                if own and self.rng.random() < 0.3:
                    self.patch(client, self.rng.choice(own))
                else:
                    self.create(client)
        except _Stopped:
            pass
        except Exception as e:  # reported by the main thread after the kill
            self.error = e
        finally:
            client.close()

    def label(self, kind):
        return f"r{self.round_no}-w{self.index}-s{self.seq} {kind}"

    def send(self, client, method, path, body):
        """The answer as JSON, or _Stopped if the connection broke because of the kill."""
        try:
            status, raw = client.call(method, path, body)
        except CONNECTION_ERRORS as e:
            if self.killed.is_set():
                raise _Stopped() from None
            raise Failure(f"{method} {path}: connection error before any kill: {e!r}") from None
        if not 200 <= status < 300:
            raise Failure(f"{method} {path} answered {status}: {raw[:500]!r}")
        return json.loads(raw)

    def create(self, client):
        content = random_content(self.rng, self.label("create"))
        try:
            answer = self.send(client, "POST", "/api/v1/news", content)
        except _Stopped:
            with self.ledger.lock:
                self.ledger.unacked_creates += 1
            raise
        want = expected(content)
        if compared(answer) != want:
            raise Failure(f"create acknowledged other content: {differences(compared(answer), want)}")
        self.ledger.created(self.index, Item(answer["id"], want))

    def patch(self, client, item):
        fresh = random_content(self.rng, self.label("patch"))
        change = {k: fresh[k] for k in self.rng.sample(COMPARED, self.rng.randint(1, len(COMPARED)))}
        want = {**item.state, **expected(change)}
        try:
            answer = self.send(client, "PATCH", f"/api/v1/news/{item.id}", change)
        except _Stopped:
            item.pending = want
            with self.ledger.lock:
                self.ledger.unacked_updates += 1
            raise
        if compared(answer) != want:
            raise Failure(f"PATCH of item {item.id} acknowledged other content: {differences(compared(answer), want)}")
        item.state = want
        with self.ledger.lock:
            self.ledger.updates += 1


def verify(port, token, ledger, threads=4):
    """GETs every item ever acknowledged and compares it with what is known. An item with
    a pending (unacknowledged) patch may show either version; the one seen becomes known.
    Returns the counts (consistent items, of which pending patches applied and not applied)
    and the list of problems."""
    items = list(ledger.items.values())
    problems = []
    counts = {"intact": 0, "applied": 0, "not_applied": 0}
    lock = threading.Lock()

    def outcome(item, status, raw):
        if status != 200:
            return f"item {item.id}: GET answered {status}: {raw[:300]!r}"
        seen = compared(json.loads(raw))
        if seen == item.state:
            return "not_applied" if item.pending else "intact"
        if item.pending is not None and seen == item.pending:
            item.state = seen
            return "applied"
        alternative = f" (nor the unacknowledged patch: {differences(seen, item.pending)})" if item.pending else ""
        return f"item {item.id}: {differences(seen, item.state)}{alternative}"

    def check(chunk):
        client = Client(port, token)
        try:
            for item in chunk:
                result = outcome(item, *client.call("GET", f"/api/v1/news/{item.id}"))
                item.pending = None
                with lock:
                    if result in counts:
                        counts["intact"] += 1
                        if result != "intact":
                            counts[result] += 1
                    else:
                        problems.append(result)
        except CONNECTION_ERRORS as e:
            with lock:
                problems.append(f"connection error while verifying: {e!r}")
        finally:
            client.close()

    workers = [threading.Thread(target=check, args=(items[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return counts, problems


def run_round(server, round_no, writers, token, ledger):
    """One round: writers against the live server, SIGKILL after a random delay, restart,
    verify. Returns the kill delay and the verification counts."""
    killed = threading.Event()
    threads = [Writer(round_no, i, server.port, token, ledger, killed) for i in range(writers)]
    for t in threads:
        t.start()
    delay = random.uniform(0.2, 1.5)
    time.sleep(delay)
    killed.set()
    server.kill()
    for t in threads:
        t.join(HTTP_TIMEOUT + 5)
        if t.is_alive():
            raise Failure(f"{t.name} still running after the kill")
    errors = [t.error for t in threads if t.error is not None]
    if errors:
        raise errors[0] if isinstance(errors[0], Failure) else Failure(f"writer crashed: {errors[0]!r}")
    server.start("none")
    counts, problems = verify(server.port, token, ledger)
    if problems:
        shown = "\n  ".join(problems[:10])
        raise Failure(f"after kill {round_no}: {len(problems)} acknowledged writes missing or changed:\n  {shown}")
    return delay, counts


def check_database(db_path, ledger):
    """Reads the file with Python's own SQLite after a clean stop."""
    db = sqlite3.connect(db_path)
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchall()
        rows = db.execute("SELECT count(*) FROM news_items").fetchone()[0]
    finally:
        db.close()
    result = "; ".join(r[0] for r in integrity)
    if result != "ok":
        raise Failure(f"PRAGMA integrity_check: {result}")
    most = ledger.creates + ledger.unacked_creates
    if not ledger.creates <= rows <= most:
        raise Failure(f"news_items has {rows} rows, expected {ledger.creates} (acknowledged creates) to {most}")
    return result, rows


def check_audit(binary, db_path, ledger):
    """Every acknowledged write left its audit entry (written in the same transaction), and
    the hash chain holds across the kills."""
    verify = subprocess.run([binary, "audit", "verify", "--database-url", f"sqlite://{db_path}"],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    if verify.returncode != 0:
        raise Failure(f"newsdesk audit verify: {verify.stdout}{verify.stderr}")
    db = sqlite3.connect(db_path)
    try:
        counts = dict(db.execute("SELECT action, count(*) FROM audit_log GROUP BY action").fetchall())
    finally:
        db.close()
    for action, acked, unacked in [("news.create", ledger.creates, ledger.unacked_creates),
                                   ("news.update", ledger.updates, ledger.unacked_updates)]:
        if not acked <= counts.get(action, 0) <= acked + unacked:
            raise Failure(f"{counts.get(action, 0)} `{action}` audit entries for {acked} acknowledged "
                          f"(and {unacked} unacknowledged) writes")
    return verify.stdout.strip(), counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="the newsdesk binary, e.g. target/release/newsdesk")
    parser.add_argument("--kills", type=int, default=12, help="SIGKILLs, each followed by a restart")
    parser.add_argument("--writers", type=int, default=6, help="concurrent writer threads")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        parser.error(f"not an executable file: {args.binary}")

    started = time.monotonic()
    server = Server(args.binary, "crash")
    ledger = Ledger()
    try:
        server.start("none")
        token = sign_in(server.port)
        checks = applied = not_applied = 0
        for round_no in range(1, args.kills + 1):
            delay, counts = run_round(server, round_no, args.writers, token, ledger)
            checks += counts["intact"]
            applied += counts["applied"]
            not_applied += counts["not_applied"]
            print(f"kill {round_no:2}/{args.kills} after {delay:.2f} s: {ledger.creates} creates and "
                  f"{ledger.updates} updates acknowledged so far, {counts['intact']} items intact", flush=True)
        server.terminate()
        integrity, rows = check_database(server.db_path, ledger)
        verified, audit = check_audit(args.binary, server.db_path, ledger)
        server.scan_log()
    except Failure as e:
        return report("crash", e, server)
    finally:
        server.stop()

    unacked = ledger.unacked_creates + ledger.unacked_updates
    summary = [
        ("kills", f"{args.kills} (writers: {args.writers})"),
        ("acknowledged writes", f"{ledger.creates + ledger.updates} "
                                f"({ledger.creates} creates, {ledger.updates} updates)"),
        ("unacknowledged attempts", f"{unacked} ({ledger.unacked_creates} creates, {ledger.unacked_updates} updates: "
                                    f"{applied} found applied, {not_applied} not applied)"),
        ("writes found intact", f"{checks} item checks (every acknowledged item after every restart)"),
        ("missing or mismatched", "0"),
        ("news_items rows", f"{rows} (acknowledged creates: {ledger.creates})"),
        ("integrity_check", integrity),
        ("audit entries", f"{audit.get('news.create', 0)} news.create, {audit.get('news.update', 0)} news.update; "
                          f"{verified}"),
        ("SIGTERM", "exit 0"),
        ("total time", f"{time.monotonic() - started:.1f} s"),
    ]
    print("crash: ok")
    for label, value in summary:
        print(f"  {label:26}{value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
