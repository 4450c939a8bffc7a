#!/usr/bin/env python3
"""What choosing a language costs when nothing is cached. Two archives of the same size, one
in one language (every item French) and one in four (stories of one item in each of English,
French, Spanish and Arabic); on each, the same requests computed anew (`--cache-mb 0`) on a
site with the four languages: a French month listing with fallback, and a French search.
Prints a markdown table with the ratio of the two.

    python3 bench/languages.py [--size 1000000] [--seconds 10] [--binary target/release/newsdesk]

Archives are generated once into target/bench/datasets (bench/dataset.py --languages) and
imported into a temporary SQLite database for each run.
"""
import argparse
import hashlib
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset  # noqa: E402
import loadgen  # noqa: E402
import run  # noqa: E402
import service  # noqa: E402

SITE = "en,fr,es,ar"
ARCHIVES = [("one language (fr)", ["fr"]), ("four languages (en, fr, es, ar)", ["en", "fr", "es", "ar"])]
MONTH = "2020-12"


def archive(size, languages):
    """The cached archive of `size` items in stories of `languages`, generated if missing."""
    with open(dataset.__file__, "rb") as f:
        version = hashlib.sha256(f.read()).hexdigest()[:10]
    path = os.path.join(run.OUTPUT, "datasets", f"news-{size}-{'-'.join(languages)}-seed1-{version}.jsonl")
    if not os.path.exists(path):
        print(f"generating {size:,} items in {','.join(languages)} into {os.path.relpath(path)} ...", file=sys.stderr)
        dataset.generate(size, path, 1, languages)
    return path


def measure(size, languages, binary, seconds, requests):
    """Imports the archive and loads each request with wrk, cache off; returns, per request,
    wrk's result and the listing's `total`."""
    database = service.Database(size)
    server = service.Server(binary, database.url)
    try:
        database.recreate()
        started = time.monotonic()
        database.import_file(binary, archive(size, languages))
        print(f"  imported in {time.monotonic() - started:.0f} s", file=sys.stderr)
        server.options = ["--cache-mb", "0", "--languages", SITE]
        server.start()
        results = []
        for path in requests:
            status, _, body = server.request("GET", path)
            if status != 200:
                raise service.BenchError(f"{path}: {status} {body[:300]!r}")
            total = server.get_json(path)["total"]
            result = loadgen.run(server.base + path, seconds=seconds, threads=2, connections=16)
            results.append((result, total))
        return results
    finally:
        server.close()
        database.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="items in each archive (default 1,000,000)")
    parser.add_argument("--seconds", type=int, default=10, help="wrk seconds per request (default 10)")
    parser.add_argument("--binary", default=os.path.join(run.REPO, "target", "release", "newsdesk"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    word = dataset.search_word()
    requests = [f"/api/v1/news?lang=fr&on={MONTH}", f"/api/v1/news?lang=fr&q={word}"]
    labels = [f"French month listing with fallback (`lang=fr&on={MONTH}`)", f"French search (`lang=fr&q={word}`)"]
    measured = []
    for name, languages in ARCHIVES:
        print(f"{name}: {args.size:,} items", file=sys.stderr)
        measured.append(measure(args.size, languages, args.binary, args.seconds, requests))
    print(f"{args.size:,} items each, cache off, wrk -t2 -c16 -d{args.seconds}s, site languages {SITE}\n")
    print("| request | one language: req/s, p50 ms (total) | four languages: req/s, p50 ms (total) | time per answer, four / one |")
    print("|---|---:|---:|---:|")
    for label, (one, one_total), (four, four_total) in zip(labels, *measured):
        ratio = one.requests_per_second / four.requests_per_second if four.requests_per_second else float("inf")
        print(f"| {label} | {one.requests_per_second:,.0f}, {one.p50_ms:.1f} ({one_total:,}) "
              f"| {four.requests_per_second:,.0f}, {four.p50_ms:.1f} ({four_total:,}) | {ratio:.2f} |")


if __name__ == "__main__":
    main()
