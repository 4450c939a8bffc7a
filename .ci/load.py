"""Load: anonymous readers and signed-in writers against one server on a SQLite file, all at
once, for a fixed time. SQLite allows one writer at a time, so this is where "database is
locked" errors, 5xx answers and dropped connections show up. Then SIGTERM arrives while
requests are in flight: they must still be answered, and the process must exit 0.

Usage: python3 .ci/load.py BINARY [--seconds S] [--readers R] [--writers W]
"""
import argparse
import http.client
import json
import os
import random
import socket
import statistics
import sys
import threading
import time
from collections import Counter

from harness import CONNECTION_ERRORS, HTTP_TIMEOUT, LOCKED, Failure, Server, call, report, sign_in


class Stats:
    """One thread's figures; merged at the end so the hot path takes no lock."""

    def __init__(self):
        self.latencies = {"read": [], "write": []}
        self.statuses = Counter()
        self.problems = []

    def merge(self, other):
        for kind, values in other.latencies.items():
            self.latencies[kind].extend(values)
        self.statuses.update(other.statuses)
        self.problems.extend(other.problems)


class KeepAlive:
    """One persistent connection per thread, measured; a broken one is recorded as a
    problem and replaced, so the thread keeps loading the server."""

    def __init__(self, port, stats, token=None):
        self.port, self.stats = port, stats
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)

    def call(self, kind, method, path, body=None):
        """The status and raw body, or None after a connection error."""
        headers = dict(self.headers)
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except CONNECTION_ERRORS as e:
            self.stats.problems.append(f"{method} {path}: connection error {e!r}")
            self.stats.statuses["connection error"] += 1
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
            return None
        self.stats.latencies[kind].append(time.perf_counter() - started)
        self.stats.statuses[response.status] += 1
        expected = response.status == 200 if kind == "read" else 200 <= response.status < 300
        if not expected:
            self.stats.problems.append(f"{method} {path} answered {response.status}: {raw[:300]!r}")
        if LOCKED.encode() in raw.lower():
            self.stats.problems.append(f"{method} {path}: body mentions 'database is locked'")
        return response.status, raw

    def close(self):
        self.conn.close()


def reader(port, ids, deadline, stats):
    """Cycles through the public read paths, from a random starting point."""
    paths = ["/api/v1/news?limit=20", None, "/api/v1/news?q=interpol", "/feeds/news.rss", "/api/v1/news?on=2023-06"]
    rng = random.Random()
    client = KeepAlive(port, stats)
    turn = rng.randrange(len(paths))
    try:
        while time.monotonic() < deadline:
            path = paths[turn % len(paths)] or f"/api/v1/news/{rng.choice(ids)}"
            client.call("read", "GET", path)
            turn += 1
    finally:
        client.close()


def writer(port, token, index, deadline, stats):
    """Creates items and patches its own, some mentioning INTERPOL so that searches and
    feeds read what is being written."""
    rng = random.Random()
    client = KeepAlive(port, stats, token)
    own = []
    seq = 0
    try:
        while time.monotonic() < deadline:
            seq += 1
            text = f"Load writer {index} item {seq}: {rng.choice(['INTERPOL notice', 'Zürich — 東京 ✓', 'plain'])}"
            if own and rng.random() < 0.4:
                answer = client.call("write", "PATCH", f"/api/v1/news/{rng.choice(own)}",
                                     {"body": text + " (edited) " + "more " * rng.randint(1, 200)})
            else:
                answer = client.call("write", "POST", "/api/v1/news", {
                    "title": f"w{index}-{seq} {text}", "summary": text, "body": text + " body " * rng.randint(1, 200),
                    "tags": ["load", f"w{index}"], "status": "published",
                    "published_at": f"2024-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}T12:00:00Z"})
                if answer and answer[0] == 201:
                    own.append(json.loads(answer[1])["id"])
    finally:
        client.close()


def run_load(port, token, ids, seconds, readers, writers):
    """Everyone at once for `seconds`; returns the merged stats and the elapsed time."""
    deadline = time.monotonic() + seconds
    per_thread = [Stats() for _ in range(readers + writers)]
    threads = [threading.Thread(target=reader, args=(port, ids, deadline, per_thread[i])) for i in range(readers)]
    threads += [threading.Thread(target=writer, args=(port, token, i, deadline, per_thread[readers + i]))
                for i in range(writers)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + HTTP_TIMEOUT + 5)
        if t.is_alive():
            raise Failure("a load thread is still running long after the end")
    elapsed = time.monotonic() - started
    total = Stats()
    for s in per_thread:
        total.merge(s)
    return total, elapsed


def big_items(port, token, count=3):
    """Published items with near-maximal bodies, so that the answers of the shutdown check
    are too large for the socket buffers and take a while to send."""
    published_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    ids = []
    for i in range(count):
        body = f"Big item {i} for the shutdown check, INTERPOL. " + "Lorem *ipsum* dolor sit amet. " * 15000
        item = call(port, "POST", "/api/v1/news", {"title": f"Big item {i}", "body": body, "status": "published",
                                                   "published_at": published_at}, token)
        ids.append(item["id"])
    return ids


def sigterm_with_requests_in_flight(server, big_ids):
    """Starts large GETs, and signals once the server has begun every answer (its status
    line has arrived) but the client has not read the rest: a small receive buffer keeps
    the server writing. Every answer must then arrive complete with 200, and the process
    must exit 0 within 10 s. Returns the answers' sizes and the seconds from signal to exit.

    A request that is only sent when SIGTERM arrives, on an idle keep-alive connection,
    is not in flight: the server may close such a connection unanswered (a client retries),
    so the check waits for the answers to begin."""
    paths = [f"/api/v1/news/{i}" for i in big_ids] + \
        ["/api/v1/news?limit=20", "/feeds/news.rss?content=full", "/feeds/news.atom?content=full"]
    barrier = threading.Barrier(len(paths) + 1, timeout=HTTP_TIMEOUT)
    results = [None] * len(paths)
    port = server.port

    def in_flight(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        conn.sock = socket.socket()
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        conn.sock.settimeout(HTTP_TIMEOUT)
        try:
            conn.sock.connect(("127.0.0.1", port))
            conn.request("GET", paths[i])
            response = conn.getresponse()
            barrier.wait()
            time.sleep(0.5)  # the shutdown is under way before the answer is read
            results[i] = (response.status, response.read())
        except (CONNECTION_ERRORS + (threading.BrokenBarrierError,)) as e:
            results[i] = e
            barrier.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=in_flight, args=(i,)) for i in range(len(paths))]
    for t in threads:
        t.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass  # a request failed before the signal; reported below

    def answered():
        for t in threads:
            t.join(HTTP_TIMEOUT + 5)
        for path, result in zip(paths, results):
            if not isinstance(result, tuple):
                raise Failure(f"GET {path} in flight at SIGTERM: {result!r}")
            if result[0] != 200:
                raise Failure(f"GET {path} in flight at SIGTERM answered {result[0]}: {result[1][:300]!r}")

    stop_seconds = server.terminate(meanwhile=answered)
    return [len(r[1]) for r in results], stop_seconds


def percentile_ms(values, p):
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000


def table(stats, elapsed):
    lines = [f"  {'':8}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"]
    for kind in ("read", "write"):
        values = stats.latencies[kind]
        lines.append(f"  {kind + 's':8}{len(values):>10}{len(values) / elapsed:>9.1f}{percentile_ms(values, 50):>9.1f}"
                     f"{percentile_ms(values, 99):>9.1f}{max(values) * 1000:>9.1f}")
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(stats.statuses.items(), key=str))
    lines.append(f"  statuses  {statuses}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="the newsdesk binary, e.g. target/release/newsdesk")
    parser.add_argument("--seconds", type=float, default=20, help="length of the load")
    parser.add_argument("--readers", type=int, default=12, help="anonymous reader threads")
    parser.add_argument("--writers", type=int, default=4, help="signed-in writer threads")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        parser.error(f"not an executable file: {args.binary}")

    server = Server(args.binary, "load")
    try:
        server.start("demo")
        port = server.port
        token = sign_in(port)
        ids = [item["id"] for item in call(port, "GET", "/api/v1/news?limit=100")["items"]]
        if not ids:
            raise Failure("the demo seed gave no published items to read")
        stats, elapsed = run_load(port, token, ids, args.seconds, args.readers, args.writers)
        print(f"load: {args.readers} readers and {args.writers} writers for {elapsed:.1f} s on {len(ids)} seeded items")
        if stats.latencies["read"] and stats.latencies["write"]:
            print(table(stats, elapsed))
        if stats.problems:
            shown = "\n  ".join(stats.problems[:10])
            raise Failure(f"{len(stats.problems)} problems under load, the first ones:\n  {shown}")
        if not stats.latencies["read"] or not stats.latencies["write"]:
            raise Failure("no read or no write completed")
        sizes, stop_seconds = sigterm_with_requests_in_flight(server, big_items(port, token))
        print(f"  SIGTERM   {len(sizes)} GETs in flight all answered 200 "
              f"({min(sizes) // 1000}-{max(sizes) // 1000} kB); exit 0 after {stop_seconds:.2f} s")
        server.scan_log()
    except Failure as e:
        return report("load", e, server)
    finally:
        server.stop()
    print("load: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
