#!/usr/bin/env python3
"""A newsroom's traffic: many distinct URLs, few repeated. wrk picks each request at random
from thousands of distinct reads (month listings, month + topic, single items, deep pages by
`page=`, and in the second mix searches), so the response cache rarely holds the answer.
newsdesk (as it runs by default, cache on) and a FastAPI + SQLAlchemy reference
(`bench/fastapi_app.py`, uvicorn with a worker per core) serve the same SQLite file in the
same run, each for `--rounds` rounds of fresh URLs.

    python3 bench/mixed.py [--size 100000] [--seconds 10] [--rounds 2] [--no-reference]

The reference runs in a virtual environment made once under target/bench/ (fastapi, uvicorn,
sqlalchemy, snowballstemmer from PyPI). Prints a markdown table.
"""
import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset  # noqa: E402
import loadgen  # noqa: E402
import run  # noqa: E402
import service  # noqa: E402

URLS_PER_ROUND = 20_000
# (share, kind) of each mix: the first without search, the second with.
MIXES = {
    "month 40%, month + topic 20%, item 30%, page 1-2000 10%":
        [(0.4, "month"), (0.2, "month_topic"), (0.3, "item"), (0.1, "page")],
    "the same with 5% searches (month 38%, month + topic 19%, item 28%, page 10%)":
        [(0.38, "month"), (0.19, "month_topic"), (0.28, "item"), (0.10, "page"), (0.05, "search")],
}
REFERENCE_PACKAGES = ["fastapi==0.115.*", "uvicorn==0.32.*", "sqlalchemy==2.0.*", "snowballstemmer==2.2.*"]
RANDOM_URL_LUA = """
local urls = {}
for line in io.lines("%s") do urls[#urls + 1] = line end
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(seed * 7919 + os.time())
end
function request()
  return wrk.format("GET", urls[math.random(#urls)])
end
"""


def urls(database, mix, rng):
    """URL_PER_ROUND distinct reads in the shares of `mix`, of items that exist in `database`
    (an SQLite file), shuffled."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        ids = [row[0] for row in db.execute(
            "SELECT id FROM news_items WHERE status = 'published' AND deleted_at IS NULL")]
    months = [f"{year}-{month:02d}" for year in range(dataset.START.year, dataset.END.year) for month in range(1, 13)]
    topics = [slug for slug, *_ in dataset.TOPICS]
    words = [w for w in dataset.VOCABULARY if w not in dataset.FUNCTION_WORDS]
    made = {
        "month": lambda: f"/api/v1/news?on={rng.choice(months)}&limit=20&page={rng.randint(1, 3)}",
        "month_topic": lambda: f"/api/v1/news?on={rng.choice(months)}&topic={rng.choice(topics)}&limit=20",
        "item": lambda: f"/api/v1/news/{rng.choice(ids)}",
        "page": lambda: f"/api/v1/news?limit=20&page={rng.randint(1, 2000)}",
        "search": lambda: f"/api/v1/news?q={rng.choice(words)}&limit=20&page={rng.randint(1, 2)}",
    }
    chosen = set()
    for share, kind in mix:
        wanted = len(chosen) + int(share * URLS_PER_ROUND)
        tries = 0
        while len(chosen) < wanted and tries < 20 * URLS_PER_ROUND:
            chosen.add(made[kind]())
            tries += 1
    listed = sorted(chosen)
    rng.shuffle(listed)
    return listed


def load(base, url_list, seconds, workdir):
    """One wrk run over `url_list` at random, against the server at `base`."""
    paths = os.path.join(workdir, "urls.txt")
    with open(paths, "w", encoding="utf-8") as f:
        f.write("\n".join(url_list) + "\n")
    script = os.path.join(workdir, "random.lua")
    with open(script, "w", encoding="utf-8") as f:
        f.write(RANDOM_URL_LUA % paths)
    return loadgen.run(base + "/", seconds=seconds, threads=2, connections=16, script=script)


class Reference:
    """uvicorn serving bench/fastapi_app.py over `database`, a worker per core."""

    def __init__(self, database):
        self.port = service.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "NEWSDESK_REFERENCE_DB": database}
        self.proc = subprocess.Popen(
            [run.venv_python("fastapi-venv", REFERENCE_PACKAGES), "-m", "uvicorn", "fastapi_app:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(os.cpu_count() or 2), "--log-level", "warning", "--no-access-log"],
            cwd=os.path.dirname(os.path.abspath(__file__)), env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/api/v1/news?limit=1", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise service.BenchError("the FastAPI reference did not answer within 60 s")

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="items in the archive (default 100,000)")
    parser.add_argument("--seconds", type=int, default=10, help="wrk seconds per round (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of fresh URLs per mix (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--binary", default=os.path.join(run.REPO, "target", "release", "newsdesk"))
    parser.add_argument("--no-reference", action="store_true", help="measure newsdesk alone")
    args = parser.parse_args()
    run.ensure_installed(run.TOOLS)
    path, _ = run.ensure_dataset(args.size, args.seed)
    database = service.Database(args.size)
    server = service.Server(args.binary, database.url)
    workdir = tempfile.mkdtemp(prefix="newsdesk-bench-mixed-")
    rows = []
    try:
        database.recreate()
        database.import_file(args.binary, path)
        first_start_ms = server.start()
        file = database.url[len("sqlite://"):]
        reference = None if args.no_reference else Reference(file)
        try:
            rng = random.Random(args.seed)
            anonymous = 0
            for name, mix in MIXES.items():
                for round_number in range(1, args.rounds + 1):
                    url_list = urls(file, mix, rng)
                    ours = load(server.base, url_list, args.seconds, workdir)
                    anonymous = max(anonymous, server.anonymous_memory_kib())
                    theirs = load(reference.base, url_list, args.seconds, workdir) if reference else None
                    rows.append((name, round_number, ours, theirs))
                    print(f"  {name}, round {round_number}: {ours.requests_per_second:,.0f} req/s"
                          + (f" vs {theirs.requests_per_second:,.0f}" if theirs else ""), file=sys.stderr)
        finally:
            if reference:
                reference.close()
        peak = server.peak_memory_kib()
    finally:
        server.close()
        database.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{args.size:,} items, {URLS_PER_ROUND:,} distinct URLs a round, wrk -t2 -c16 -d{args.seconds}s, "
          f"newsdesk with its default cache; its first start after the import (which makes the listing counts) "
          f"{first_start_ms / 1000:,.1f} s; its peak memory {peak / 1024:,.1f} MiB (mapped files' pages included), "
          f"anonymous memory after each round at most {anonymous / 1024:,.1f} MiB\n")
    print("| mix | round | newsdesk req/s | p50 ms | p99 ms | errors | FastAPI req/s | p50 ms | p99 ms | newsdesk / FastAPI |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, round_number, ours, theirs in rows:
        errors = ours.non_2xx_3xx + ours.socket_errors
        cells = [f"{ours.requests_per_second:,.0f}", f"{ours.p50_ms:.2f}", f"{ours.p99_ms:.2f}", str(errors)]
        if theirs:
            ratio = ours.requests_per_second / theirs.requests_per_second if theirs.requests_per_second else float("inf")
            cells += [f"{theirs.requests_per_second:,.0f}", f"{theirs.p50_ms:.2f}", f"{theirs.p99_ms:.2f}",
                      f"{ratio:.1f}"]
        else:
            cells += ["", "", "", ""]
        print(f"| {name} | {round_number} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
