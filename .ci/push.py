"""Webhooks under crashes: a receiver on loopback records every delivery; writers publish,
edit, schedule (due within the run), unpublish and delete; the server is killed with SIGKILL
at random moments and restarted; the receiver now and then answers 500 or does not answer
within the server's 10 s timeout. At the end every acknowledged change has its event
delivered, signed, in order per item; duplicates carry the same `webhook-id`; nothing is lost.

With --postgres, two replicas share one PostgreSQL database and the one killed each time is
chosen at random: nothing is lost, and no event is delivered twice at the same time.

Usage: python3 .ci/push.py BINARY [--kills N] [--postgres URL]
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from harness import CONNECTION_ERRORS, HTTP_TIMEOUT, Failure, Server, report, sign_in

# Retries come 4 to 6 s after a failure, well after a timed-out answer (10.5 s; the server gives
# up at 10, counted from its own start, which a loaded receiver sees later) ends: a second
# arrival while the first is still in flight is then a real overlap of two senders.
RETRY_BASE = "5s"
SLOW_ANSWER = 10.5


class Receiver:
    """A partner's endpoint: keeps every request and how it answered it; 10% of requests are
    answered 500 and 3% not within the sender's timeout."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals = []
        self.in_flight = {}
        self.overlaps = []
        self.rng = random.Random()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                arrival = {"id": self.headers.get("webhook-id"), "timestamp": self.headers.get("webhook-timestamp"),
                           "signature": self.headers.get("webhook-signature"), "body": body, "status": None,
                           "at": time.monotonic()}
                status, delay = receiver.decide()
                with receiver.lock:
                    if receiver.in_flight.get(arrival["id"]):
                        receiver.overlaps.append(arrival["id"])
                    receiver.in_flight[arrival["id"]] = receiver.in_flight.get(arrival["id"], 0) + 1
                    receiver.arrivals.append(arrival)
                try:
                    time.sleep(delay)
                    self.send_response(status)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    arrival["status"] = status
                except OSError:
                    pass  # the sender gave up (timeout) or died
                finally:
                    with receiver.lock:
                        receiver.in_flight[arrival["id"]] -= 1

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def decide(self):
        roll = self.rng.random()
        if roll < 0.10:
            return 500, 0
        if roll < 0.13:
            return 200, SLOW_ANSWER
        return 200, 0

    def snapshot(self):
        with self.lock:
            return list(self.arrivals)


@dataclass
class Item:
    """One item a writer made: the events its acknowledged changes must produce, in order.
    An item whose last change went unanswered (the server died) is left alone after it."""
    id: int
    expected: list = field(default_factory=list)
    public: bool = False
    ever_public: bool = False
    deleted: bool = False
    frozen: bool = False


class Writers:
    """Threads that change items through whichever server is up, until told to stop."""

    def __init__(self, servers, token, count):
        self.servers, self.token = servers, token
        self.items = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.acked = self.unacked = 0
        self.scheduled_until = 0.0
        self.errors = []
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(count)]

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(HTTP_TIMEOUT + 5)

    def request(self, method, path, body):
        """The answer as JSON, or None when the server died under the request."""
        server = random.choice([s for s in self.servers if s.up] or self.servers)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as r:
                raw = r.read()
                return json.loads(raw) if raw else {}
        except urllib.error.HTTPError as e:
            raise Failure(f"{method} {path} answered {e.code}: {e.read()[:300]!r}") from None
        except CONNECTION_ERRORS:
            return None

    def run(self, index):
        rng = random.Random()
        own = []
        try:
            while not self.stop.is_set():
                if not any(s.up for s in self.servers):
                    time.sleep(0.05)
                    continue
                self.step(rng, index, own)
                # About 50 changes a second from each writer: a busy newsroom, many times over.
                time.sleep(rng.uniform(0, 0.04))
        except Failure as e:
            self.errors.append(e)

    def step(self, rng, index, own):
        live = [i for i in own if not i.frozen and not i.deleted]
        public = [i for i in live if i.public]
        withdrawn = [i for i in live if not i.public and i.ever_public]
        roll = rng.random()
        if roll < 0.35 or not live:
            self.create(rng, index, own, scheduled=False)
        elif roll < 0.45:
            self.create(rng, index, own, scheduled=True)
        elif roll < 0.70 and public:
            self.change(rng.choice(public), {"title": f"edited {rng.random()}"}, "news.updated")
        elif roll < 0.80 and public:
            self.change(rng.choice(public), {"status": "draft"}, "news.unpublished", public=False)
        elif roll < 0.88 and withdrawn:
            self.change(rng.choice(withdrawn), {"status": "published"}, "news.published", public=True)
        elif roll < 0.95 and (public or withdrawn):
            item = rng.choice(public + withdrawn)
            if self.request("DELETE", f"/api/v1/news/{item.id}", None) is None:
                item.frozen = True
                self.count(False)
            else:
                item.expected.append("news.deleted")
                item.deleted = True
                self.count(True)

    def create(self, rng, index, own, scheduled):
        if scheduled:
            due = time.time() + rng.uniform(1, 4)
            at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(due)) + f".{int(due % 1 * 1000):03d}Z"
        else:
            at = "2024-01-01T00:00:00Z"
        answer = self.request("POST", "/api/v1/news", {"title": f"w{index} {rng.random()}", "published_at": at})
        if answer is None:
            self.count(False)
            return
        # A scheduled item is published by the server's timer; the writer leaves it alone.
        item = Item(answer["id"], ["news.published"], public=True, ever_public=True, frozen=scheduled)
        if scheduled:
            with self.lock:
                self.scheduled_until = max(self.scheduled_until, due)
        own.append(item)
        with self.lock:
            self.items.append(item)
        self.count(True)

    def change(self, item, patch, event, public=None):
        if self.request("PATCH", f"/api/v1/news/{item.id}", patch) is None:
            item.frozen = True
            self.count(False)
            return
        item.expected.append(event)
        if public is not None:
            item.public = public
        self.count(True)

    def count(self, acked):
        with self.lock:
            if acked:
                self.acked += 1
            else:
                self.unacked += 1


class Replica(Server):
    up = False

    def start(self, seed):
        super().start(seed)
        self.up = True

    def kill(self):
        self.up = False
        super().kill()


def pending(server):
    """The webhook deliveries not yet made, as the server's metrics count them (all replicas')."""
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=HTTP_TIMEOUT) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("newsdesk_webhook_deliveries_pending "):
                return int(float(line.split()[1]))
    raise Failure("/metrics has no newsdesk_webhook_deliveries_pending")


def signed(arrival, key):
    message = f"{arrival['id']}.{arrival['timestamp']}.".encode() + arrival["body"]
    expected = "v1," + base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    return expected in (arrival["signature"] or "").split(" ")


def check(arrivals, items, key):
    """Signatures, order per item, duplicates and losses; returns the counts."""
    bad = [a["id"] for a in arrivals if not signed(a, key)]
    if bad:
        raise Failure(f"{len(bad)} deliveries with a bad signature, e.g. {bad[:3]}")
    events = {}  # webhook-id -> (item, type, cursor)
    for a in arrivals:
        body = json.loads(a["body"])
        event = (body["data"]["id"], body["type"], int(body["data"]["changes_cursor"]))
        if events.setdefault(a["id"], event) != event:
            raise Failure(f"webhook-id {a['id']} carried two different events")
    per_item = {}
    for event_id, (item, kind, cursor) in events.items():
        per_item.setdefault(item, []).append((cursor, kind))
    twins = [e for e in per_item.values() if len(set(e)) != len(e)]
    if twins:
        raise Failure(f"one change became two events (different webhook-ids): {twins[:3]}")
    # Order: the events of an item, in the order they were first answered 2xx, follow its
    # changes (a trash after an unpublish shares its cursor: no new change in the feed).
    delivered = {}
    for a in arrivals:
        if a["status"] and 200 <= a["status"] < 300:
            item, kind, cursor = events[a["id"]]
            seen = delivered.setdefault(item, [])
            if a["id"] not in [i for i, _, _ in seen]:
                seen.append((a["id"], kind, cursor))
    for item, seen in delivered.items():
        cursors = [c for _, _, c in seen]
        if cursors != sorted(cursors):
            raise Failure(f"item {item}: events delivered out of order (changes cursors {cursors})")
    expected = lost = 0
    for item in items:
        got = [kind for _, kind, _ in delivered.get(item.id, [])]
        expected += len(item.expected)
        it = iter(got)
        if not all(kind in it for kind in item.expected):
            lost += 1
            raise Failure(f"item {item.id}: expected {item.expected} in order, received {got}")
    undelivered = [e for e in events if not any(a["id"] == e and a["status"] == 200 for a in arrivals)]
    if undelivered:
        raise Failure(f"{len(undelivered)} events never answered 2xx: {undelivered[:3]}")
    return {"expected": expected, "events": len(events), "arrivals": len(arrivals),
            "duplicates": len(arrivals) - len(events), "lost": lost}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--postgres", help="a fresh PostgreSQL database URL: two replicas share it")
    args = parser.parse_args()
    started = time.monotonic()
    extra = ["--webhook-allow-private", "true", "--webhook-retry-base", RETRY_BASE]
    count = 2 if args.postgres else 1
    servers = [Replica(args.binary, f"push{i}", args.postgres, extra) for i in range(count)]
    receiver = Receiver()
    name = "push (two replicas on PostgreSQL)" if args.postgres else "push (SQLite)"
    try:
        for s in servers:
            s.start("none")
        token = sign_in(servers[0].port)
        hook = json.loads(urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{servers[0].port}/api/v1/webhooks", method="POST",
            data=json.dumps({"url": receiver.url, "events": ["news.published", "news.updated", "news.unpublished",
                                                             "news.deleted"]}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}), timeout=30).read())
        key = base64.b64decode(hook["secret"].removeprefix("whsec_"))
        writers = Writers(servers, token, args.writers)
        writers.start()
        for n in range(1, args.kills + 1):
            time.sleep(random.uniform(0.5, 2.5))
            victim = random.choice(servers)
            victim.kill()
            time.sleep(random.uniform(0.0, 0.5))
            victim.start("none")
            print(f"kill {n:2}/{args.kills}: replica {servers.index(victim)}; {writers.acked} changes acknowledged, "
                  f"{len(receiver.snapshot())} deliveries received", flush=True)
        writers.finish()
        if writers.errors:
            raise writers.errors[0]
        # Scheduled items come due, claims of killed replicas lapse (30 s), retries run.
        deadline = time.monotonic() + 240
        while True:
            quiet = time.time() > writers.scheduled_until + 2 and pending(servers[0]) == 0
            if quiet and not any(receiver.in_flight.values()):
                break
            if time.monotonic() > deadline:
                raise Failure(f"{pending(servers[0])} deliveries still pending after 240 s")
            time.sleep(0.5)
        counts = check(receiver.snapshot(), writers.items, key)
        if args.postgres and receiver.overlaps:
            shown = [[(round(a["at"], 2), a["status"], a["timestamp"]) for a in receiver.arrivals if a["id"] == o]
                     for o in receiver.overlaps[:3]]
            raise Failure(f"{len(receiver.overlaps)} deliveries arrived while the same event was in flight "
                          f"(arrival, answer, webhook-timestamp): {shown}")
        for s in servers:
            s.terminate()
            s.scan_log()
    except Failure as e:
        return report(name, e, servers[0])
    finally:
        for s in servers:
            s.stop()
    print(f"{name}: ok")
    for label, value in [
        ("kills", f"{args.kills} ({count} {'replicas' if count > 1 else 'server'})"),
        ("changes acknowledged", f"{writers.acked} ({writers.unacked} unanswered: the server died under them)"),
        ("events expected", counts["expected"]),
        ("events delivered", f"{counts['events']} (the unanswered changes' events included)"),
        ("requests received", f"{counts['arrivals']} ({counts['duplicates']} repeats of an event with its "
                              "webhook-id: retries after a 500 or a timeout, resends after a kill)"),
        ("lost", counts["lost"]),
        ("overlapping deliveries", len(receiver.overlaps) if args.postgres else "not checked (one server)"),
        ("total time", f"{time.monotonic() - started:.1f} s"),
    ]:
        print(f"  {label:24}{value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
