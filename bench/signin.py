"""Sign-in bursts against the release binary: how long /ready takes while many sign-ins hash
passwords at once, and how a burst of wrong guesses at one account is answered.

    python3 bench/signin.py [--binary target/release/newsdesk] [--burst 64] [--seconds 10]

A burst of wrong passwords for distinct usernames (so the sign-in throttle, which counts per
username and address, lets each one be checked) keeps the password hashes busy for the whole
run while a probe polls /ready; the script prints the probe's latency percentiles, the
sign-ins answered per second, and the answers to twelve concurrent guesses at one username."""
import argparse
import concurrent.futures
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from service import ADMIN_PASSWORD, ADMIN_USERNAME, JWT_SECRET, free_port  # noqa: E402


def call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"content-type": "application/json"} if body is not None else {}
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    status = conn.getresponse().status
    conn.close()
    return status


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default="target/release/newsdesk")
    parser.add_argument("--burst", type=int, default=64, help="sign-ins in flight at once")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="newsdesk-signin-") as tmp:
        server = subprocess.Popen(
            [args.binary, "serve", "--bind", f"127.0.0.1:{port}", "--database-url", f"sqlite://{tmp}/bench.db",
             "--seed", "none", "--rate-limit", "0", "--jwt-secret", JWT_SECRET,
             "--admin-username", ADMIN_USERNAME, "--admin-password", ADMIN_PASSWORD],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if call(port, "GET", "/ready") == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start within 60 s")
                time.sleep(0.05)

            def probe(samples, stop):
                while not stop.is_set():
                    started = time.perf_counter()
                    call(port, "GET", "/ready")
                    samples.append((time.perf_counter() - started) * 1000)
                    time.sleep(0.01)

            idle = []
            stop = threading.Event()
            prober = threading.Thread(target=probe, args=(idle, stop))
            prober.start()
            time.sleep(2)
            stop.set()
            prober.join()

            busy, answered, counter = [], [], iter(range(10**9))
            stop = threading.Event()
            end = time.monotonic() + args.seconds

            def guesser():
                while time.monotonic() < end:
                    answered.append(call(port, "POST", "/api/v1/auth/token",
                                         {"username": f"nobody{next(counter)}", "password": "a wrong password"}))

            prober = threading.Thread(target=probe, args=(busy, stop))
            prober.start()
            guessers = [threading.Thread(target=guesser) for _ in range(args.burst)]
            for g in guessers:
                g.start()
            for g in guessers:
                g.join()
            stop.set()
            prober.join()

            with concurrent.futures.ThreadPoolExecutor(12) as pool:
                same = list(pool.map(lambda _: call(port, "POST", "/api/v1/auth/token",
                                                    {"username": ADMIN_USERNAME, "password": "a wrong password"}),
                                     range(12)))
        finally:
            server.terminate()
            server.wait(timeout=20)

    def pct(samples, q):
        return statistics.quantiles(samples, n=100)[q - 1] if len(samples) > 1 else float("nan")

    print(f"/ready idle:            p50 {pct(idle, 50):.2f} ms, p99 {pct(idle, 99):.2f} ms ({len(idle)} probes)")
    print(f"/ready during {args.burst} sign-ins: p50 {pct(busy, 50):.2f} ms, p99 {pct(busy, 99):.2f} ms, "
          f"max {max(busy):.2f} ms ({len(busy)} probes)")
    print(f"sign-ins answered:      {len(answered) / args.seconds:.1f} per second "
          f"(statuses {sorted(set(answered))})")
    print(f"12 concurrent wrong guesses at one account: {same.count(401)} checked (401), "
          f"{same.count(429)} refused at once (429)")


if __name__ == "__main__":
    main()
