#!/usr/bin/env python3
"""What statements kept prepared cost in memory: asks a running server for many distinct
listings (4 sort orders, 1 to 25 tags or topics, so each a different SQL text) from 16
clients, round after round, and prints the server's resident memory after each round.

    python3 bench/statements.py http://127.0.0.1:8080 PID [ROUNDS]

The connections keep each text prepared until one keeps more than `db::MAX_PREPARED`; the
memory should stop growing once they are replaced.
"""
import concurrent.futures
import sys
import urllib.request


def memory(pid):
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    return f"VmRSS {status['VmRSS'].strip()}, VmHWM {status['VmHWM'].strip()}"


def main():
    base, pid = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    urls = []
    for sort in ["-published_at", "published_at", "title", "-updated_at"]:
        for n in range(1, 26):
            urls.append(f"{base}/api/v1/news?sort={sort}&tag={','.join(f't{i}' for i in range(n))}")
            urls.append(f"{base}/api/v1/news?sort={sort}&lang=fr&topic={','.join(f'x{i}' for i in range(n))}")

    def status(url):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code
        except OSError:
            return 0

    print(f"before: {memory(pid)}; {len(urls)} listings a round")
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        for round_ in range(rounds):
            failed = sum(1 for code in pool.map(status, urls) if code != 200)
            print(f"round {round_ + 1}: {memory(pid)}; not 200: {failed}")


if __name__ == "__main__":
    main()
