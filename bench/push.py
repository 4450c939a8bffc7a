#!/usr/bin/env python3
"""Webhook figures of the newsdesk release binary:

- the time from an acknowledged publish (the client has its 201) to the receiver's 2xx, at a
  steady 100 creates a second, p50 and p99;
- what the outbox costs the write path: Q7 (creates with wrk, as in bench/run.py) with a
  webhook off and on, alternating, on the same database: once with a receiver that takes a
  second per delivery (the events are written, their sending waits), once sending each as it
  comes to nginx answering 204 on the same machine (the two cores also send). Each "on"
  round's webhook is deleted after it, with what it had left to send.

    python3 bench/push.py [--binary PATH] [--seconds 10] [--rounds 2]

The latency's receiver is a Python server on loopback answering 204 at once; everything is
bounded in time.
"""
import argparse
import http.client
import http.server
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time

import loadgen
import reference
import service

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RATE = 100  # creates a second, for the latency
WRITERS = 4


class Receiver:
    """Keeps when each item's `news.published` first arrived; answers after `delay` seconds."""

    def __init__(self, delay=0.0):
        self.arrived = {}
        self.count = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                now = time.perf_counter()
                if body["type"] == "news.published":
                    receiver.arrived.setdefault(body["data"]["id"], now)
                receiver.count += 1
                time.sleep(delay)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def latency(server, token, receiver, seconds):
    """Creates items at RATE a second for `seconds`; returns the delays (ms) from each 201 to
    its delivery's arrival."""
    acknowledged = {}
    lock = threading.Lock()
    interval = WRITERS / RATE
    started = time.perf_counter()

    def write(index):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        n = 0
        while time.perf_counter() - started < seconds:
            due = started + index * interval / WRITERS + n * interval
            time.sleep(max(0.0, due - time.perf_counter()))
            body = json.dumps({"title": f"latency w{index} n{n}", "published_at": "2024-01-01T00:00:00Z"})
            connection.request("POST", "/api/v1/news", body=body,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = connection.getresponse()
            answer = json.loads(response.read())
            at = time.perf_counter()
            if response.status != 201:
                raise RuntimeError(f"create answered {response.status}: {answer}")
            with lock:
                acknowledged[answer["id"]] = at
            n += 1

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 30
    while len([i for i in acknowledged if i in receiver.arrived]) < len(acknowledged) and time.monotonic() < deadline:
        time.sleep(0.1)
    missing = [i for i in acknowledged if i not in receiver.arrived]
    if missing:
        raise RuntimeError(f"{len(missing)} of {len(acknowledged)} publishes never arrived")
    return [(receiver.arrived[i] - at) * 1000 for i, at in acknowledged.items()]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(REPO, "target", "release", "newsdesk"))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="newsdesk-push-bench-")
    server = service.Server(args.binary, f"sqlite://{workdir}/push.db")
    server.options = ["--webhook-allow-private", "true"]
    receiver = Receiver()
    try:
        server.start()
        token = server.sign_in()
        status, _, body = server.request(
            "POST", "/api/v1/webhooks", headers={"Authorization": f"Bearer {token}"},
            body={"url": receiver.url, "events": ["news.published", "news.updated"]})
        if status != 201:
            raise RuntimeError(f"webhook create answered {status}: {body[:300]!r}")
        hook = json.loads(body)["id"]

        delays = latency(server, token, receiver, args.seconds)
        lines = [f"- publish to receiver's 2xx at {RATE} creates/s for {args.seconds} s ({len(delays)} items): "
                 f"p50 {statistics.median(delays):.1f} ms, p99 {percentile(delays, 99):.1f} ms, "
                 f"max {max(delays):.1f} ms"]

        auth = {"Authorization": f"Bearer {token}"}
        server.request("PATCH", f"/api/v1/webhooks/{hook}", headers=auth, body={"active": False})
        script = loadgen.post_script(workdir, "/api/v1/news", token,
                                     {"title": "x", "body": "Words.", "published_at": "2024-01-01T00:00:00Z"})
        nginx = reference.Nginx(b"{}", service.free_port(), accept_posts=True)
        # The outbox alone: a receiver that takes a second per delivery, so that the events
        # written wait (16 in flight); then sending each as it comes, to nginx.
        for label, url in [("events written, deliveries waiting on a slow receiver", Receiver(delay=1.0).url),
                           ("events written and sent at once to nginx on the same machine",
                            nginx.url.rsplit("/", 1)[0] + "/hook")]:
            status, _, body = server.request("POST", "/api/v1/webhooks", headers=auth,
                                             body={"url": url, "events": ["news.published"], "active": False})
            if status != 201:
                raise RuntimeError(f"webhook create answered {status}: {body[:300]!r}")
            hook = json.loads(body)["id"]
            results = {False: [], True: []}
            for round_ in range(args.rounds):
                # Every round adds to the database, and a bigger one is slower to write to:
                # the order alternates (off, on, on, off, ...) so that neither side is always later.
                for active in (False, True) if round_ % 2 == 0 else (True, False):
                    server.request("PATCH", f"/api/v1/webhooks/{hook}", headers=auth, body={"active": active})
                    result = loadgen.run(f"{server.base}/api/v1/news", seconds=args.seconds, threads=2,
                                         connections=16, script=script)
                    results[active].append(result.requests_per_second)
                    if active:
                        # The next round starts with nothing left to send.
                        server.request("DELETE", f"/api/v1/webhooks/{hook}", headers=auth)
                        status, _, body = server.request("POST", "/api/v1/webhooks", headers=auth,
                                                         body={"url": url, "events": ["news.published"],
                                                               "active": False})
                        hook = json.loads(body)["id"]
            off, on = statistics.mean(results[False]), statistics.mean(results[True])
            rounds = ", ".join(f"{a:,.0f} / {b:,.0f}" for a, b in zip(results[False], results[True]))
            lines.append(f"- Q7 creates/s, webhook off / on, {label} (wrk -t2 -c16, {args.seconds} s rounds): "
                         f"{rounds}; mean {off:,.0f} / {on:,.0f} ({(on / off - 1) * 100:+.1f}%)")
        nginx.close()
        print("\n".join(lines))
    finally:
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
