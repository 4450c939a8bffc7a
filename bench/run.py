#!/usr/bin/env python3
"""Benchmarks the newsdesk release binary on synthetic archives of several sizes.

    python3 bench/run.py [--sizes 10000,100000,1000000] [--seconds 10] [--binary PATH]
                         [--postgres postgres://USER:PASSWORD@127.0.0.1:5432 | --database-url-template URL]

For each size: generate the archive (bench/dataset.py, cached under target/bench/), import it
into a fresh database with `newsdesk import` (timed), start the server on it (time to /ready),
then load each workload with wrk and compare it with nginx serving the same bytes as a static
file. Prints one markdown table per size and writes them all to target/bench/results.md.
Everything listens on 127.0.0.1 and every step is bounded in time.
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

import dataset
import loadgen
import reference
import service

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(REPO, "target", "bench")
PAGE_SIZE = 20
DEEP_PAGE = 2000
WALK_LIMIT = 100  # the largest page the API gives, to reach the deep page in few requests
# What the benchmark needs that a fresh machine may lack: command -> Debian package.
TOOLS = {"wrk": "wrk", "nginx": "nginx-light"}
POSTGRES_TOOLS = {"psql": "postgresql-client"}


def venv_python(name, packages):
    """The interpreter of a virtual environment in target/bench/NAME, with `packages` from
    PyPI installed, made the first time it is asked for."""
    venv = os.path.join(OUTPUT, name)
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        print(f"installing {', '.join(packages)} into target/bench/{name} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
        subprocess.run([python, "-m", "pip", "install", "-q", *packages], check=True, timeout=900)
    return python


def ensure_installed(tools):
    """Installs the Debian packages of missing commands, so that the suite runs from the
    project's own files on a fresh machine (with sudo when not root)."""
    missing = [package for command, package in tools.items()
               if not shutil.which(command) and not shutil.which(command, path="/usr/sbin:/sbin")]
    if not missing:
        return
    as_root = [] if os.geteuid() == 0 else ["sudo"]
    apt = as_root + ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    print(f"installing {', '.join(missing)} ...", file=sys.stderr)
    subprocess.run(apt + ["update", "-qq"], check=True, timeout=900)
    subprocess.run(apt + ["install", "-y", "-qq", *missing], check=True, timeout=1800)


def dataset_path(size, seed):
    """The cached archive for a size and seed. The name carries a hash of the generator, so
    that a changed generator never reuses an archive made by an older one."""
    with open(dataset.__file__, "rb") as f:
        version = hashlib.sha256(f.read()).hexdigest()[:10]
    return os.path.join(OUTPUT, "datasets", f"news-{size}-seed{seed}-{version}.jsonl")


def ensure_dataset(size, seed):
    """Returns the archive's path and the seconds taken to generate it (None when cached)."""
    path = dataset_path(size, seed)
    if os.path.exists(path):
        return path, None
    print(f"generating {size:,} items into {os.path.relpath(path)} ...", file=sys.stderr)
    started = time.monotonic()
    dataset.generate(size, path, seed)
    return path, time.monotonic() - started


class Workload:
    """One table row: a request, how wrk sends it, and the status every answer should have."""

    def __init__(self, key, label, path, expect=200, headers=(), script=None, document=None):
        self.key, self.label, self.path, self.expect = key, label, path, expect
        self.headers, self.script = list(headers), script
        self.document = document  # the JSON body of a POST, its title replaced per request

    def noted(self, note):
        """The same workload, its label followed by `note`."""
        return Workload(self.key, f"{self.label}, {note}", self.path, self.expect, self.headers, self.script,
                        self.document)


class Notes(list):
    """What a size's section ends with; `fault` marks what a correct server never does (a
    wrong status, a lost write), which fails a `--strict` run."""

    def __init__(self):
        super().__init__()
        self.faults = 0

    def fault(self, note):
        self.faults += 1
        self.append(note)


def query(path, **params):
    return f"{path}?{urllib.parse.urlencode(params)}"


def walk_to_page(server, page, seconds, notes):
    """The cursor of page `page` (of PAGE_SIZE items) of the whole listing, reached as a client
    would: following `next_cursor` with pages of WALK_LIMIT items. Every WALK_LIMIT items is a
    page boundary, and then one shorter page lands exactly on the wanted one (a cursor does not
    carry the page size). When the walk takes longer than `seconds`, it stops at the last
    boundary reached. Returns the page, its cursor (None for page 1) and the seconds taken."""
    started = time.monotonic()
    skipped, to_skip = 0, (page - 1) * PAGE_SIZE
    cursor = None
    while skipped < to_skip:
        if time.monotonic() - started > seconds:
            reached = skipped // PAGE_SIZE + 1
            notes.append(f"the cursor walk to page {page} stopped at page {reached} after {seconds} s "
                         "(--walk-seconds); Q5 uses that page")
            page = reached
            break
        step = min(WALK_LIMIT, to_skip - skipped)
        params = {"limit": step, **({"cursor": cursor} if cursor else {})}
        cursor = server.get_json(query("/api/v1/news", **params))["next_cursor"]
        if cursor is None:
            raise service.BenchError(f"the listing ended after {skipped + step} items, before page {page}")
        skipped += step
    return page, cursor, time.monotonic() - started


def prepare(server, token, workdir, walk_seconds, notes):
    """Finds the concrete requests of every workload on this archive (a month that has items,
    an item's id and slug, the deep page's cursor, Q1's ETag); returns the workloads, the Q1
    answer's bytes for nginx, and facts for the report."""
    facts = {}
    middle = dataset.START + (dataset.END - dataset.START) / 2
    month = middle.strftime("%Y-%m")
    topic = dataset.TOPICS[0][0]  # the most frequent topic
    word = dataset.search_word()
    tag = dataset.TAGS[0]
    q1 = query("/api/v1/news", on=month, limit=PAGE_SIZE)
    status, headers, q1_body = server.request("GET", q1)
    if status != 200:
        raise service.BenchError(f"GET {q1} answered {status}: {q1_body[:500]!r}")
    listing = json.loads(q1_body)
    if len(listing["items"]) < PAGE_SIZE:
        notes.append(f"month {month} has only {listing['total']} items, less than a page")
    first = listing["items"][0]
    facts["month"], facts["month_total"] = month, listing["total"]
    facts["word"] = word
    facts["word_total"] = server.get_json(query("/api/v1/news", q=word, limit=1))["total"]
    everything = server.get_json(query("/api/v1/news", limit=1))["total"]
    last_page = max(1, math.ceil(everything / PAGE_SIZE))
    page, cursor, facts["walk_seconds"] = walk_to_page(server, min(DEEP_PAGE, last_page), walk_seconds, notes)
    facts["page"], facts["public_items"] = page, everything
    by_cursor = query("/api/v1/news", limit=PAGE_SIZE, **({"cursor": cursor} if cursor else {}))
    by_number = query("/api/v1/news", limit=PAGE_SIZE, page=page)
    ids = [[item["id"] for item in server.get_json(p)["items"]] for p in (by_cursor, by_number)]
    if ids[0] != ids[1]:
        notes.fault(f"page {page} by cursor and by number differ: ids {ids[0][:3]}... vs {ids[1][:3]}...")
    # A partner key with the read scope and a quota no run reaches: keyed reads are measured
    # against the same requests sent anonymously (Q1, Q3).
    status, _, made = server.request("POST", "/api/v1/keys", headers={"Authorization": f"Bearer {token}"},
                                     body={"name": "Benchmark", "scopes": ["read"], "rate_limit": 1_000_000_000})
    if status == 404:
        notes.append("this binary has no partner keys: Q9 is not measured")
    elif status != 201:
        raise service.BenchError(f"POST /api/v1/keys answered {status}: {made[:500]!r}")
    keyed = [f"Authorization: Bearer {json.loads(made)['key']}"] if status == 201 else None
    tally = loadgen.status_tally_script(workdir)
    document = {"summary": "Written by the benchmark.", "body": dataset.body(random.Random(0)),
                "topic": topic, "region": dataset.REGIONS[-1][0], "tags": ["benchmark"], "author_id": 1,
                "status": "published", "published_at": "2024-01-01T00:00:00Z"}
    workloads = [
        Workload("Q1", f"month {month}, newest first, {PAGE_SIZE} a page", q1),
        Workload("Q2", f"Q1 + topic={topic}", query("/api/v1/news", on=month, topic=topic, limit=PAGE_SIZE)),
        Workload("Q2", f"tag={tag}, newest first (no kept count: the search index counts)",
                 query("/api/v1/news", tag=tag, limit=PAGE_SIZE)),
        Workload("Q2", "everything by title", query("/api/v1/news", sort="title", limit=PAGE_SIZE)),
        Workload("Q3", "one item by id", f"/api/v1/news/{first['id']}"),
        Workload("Q3", "one item by slug", f"/api/v1/news/{first['slug']}"),
        Workload("Q4", f"search q={word} ({facts['word_total']} matches)", query("/api/v1/news", q=word)),
        Workload("Q5", "page 1 of everything, for comparison", query("/api/v1/news", limit=PAGE_SIZE)),
        Workload("Q5", f"page {page} by cursor", by_cursor),
        Workload("Q5", f"page {page} by page=", by_number),
        Workload("Q6", "RSS feed", "/feeds/news.rss"),
        Workload("Q6", "JSON feed", "/feeds/news.json"),
        *([Workload("Q9", "Q1 with a partner key (read scope)", q1, headers=keyed),
           Workload("Q9", "Q3 by id with a partner key", f"/api/v1/news/{first['id']}", headers=keyed)]
          if keyed else []),
        Workload("Q8", "Q1 with If-None-Match: its ETag", q1, expect=304,
                 headers=[f"If-None-Match: {headers['etag']}"], script=tally),
        # Writes last, so that every read above sees the archive as imported.
        Workload("Q7", "create an item (POST, bearer token)", "/api/v1/news", expect=201,
                 script=loadgen.post_script(workdir, "/api/v1/news", token, document), document=document),
    ]
    return workloads, q1_body, facts


def check_once(server, workload, token):
    """Sends the workload's request once (with a title of its own for the POST) and returns
    the status and the size of the answer, shown in the table."""
    if workload.document is not None:
        status, _, body = server.request("POST", workload.path, headers={"Authorization": f"Bearer {token}"},
                                         body={**workload.document, "title": "Benchmark check item"})
    else:
        headers = dict(h.split(": ", 1) for h in workload.headers)
        status, _, body = server.request("GET", workload.path, headers=headers)
    return status, len(body)


def row(key, label, answer, result, baseline):
    ratio = result.requests_per_second / baseline if baseline else float("nan")
    return (f"| {key} | {label} | {answer} | {result.requests_per_second:,.0f} | {ratio * 100:.3g}% | "
            f"{result.p50_ms:.2f} | {result.p99_ms:.2f} | {result.non_2xx_3xx} | {result.socket_errors} |")


def measure_reference(body, wrk):
    """One wrk run against nginx serving `body`."""
    nginx = reference.Nginx(body, service.free_port())
    try:
        return loadgen.run(nginx.url, **wrk)
    finally:
        nginx.close()


def load(server, workloads, token, wrk, notes):
    """Runs wrk on every workload in turn, after checking it with one request. Returns, per
    workload, the single answer's status and size and wrk's result; and how many items Q7
    created, counted in the listing's total."""
    measured, created = [], None
    for workload in workloads:
        status, length = check_once(server, workload, token)
        if status != workload.expect:
            notes.fault(f"{workload.key} ({workload.label}) answered {status} to a single request, "
                         f"expected {workload.expect}")
        before = server.get_json(query("/api/v1/news", limit=1))["total"] if workload.document else None
        result = loadgen.run(server.base + workload.path, headers=workload.headers, script=workload.script, **wrk)
        if workload.script is not None:
            unexpected = {s: n for s, n in result.statuses.items() if s != workload.expect}
            if unexpected:
                notes.fault(f"{workload.key} ({workload.label}): statuses other than {workload.expect}: "
                             f"{unexpected} of {result.requests}")
        if workload.document:
            created = server.get_json(query("/api/v1/news", limit=1))["total"] - before
            answered = result.statuses.get(201, 0)
            # wrk does not count the answers still in flight when it stops: one per connection
            # at most.
            if not answered <= created <= answered + wrk["connections"]:
                notes.fault(f"Q7: wrk counted {answered} answers 201, but the listing grew by {created}")
        if result.non_2xx_3xx or result.socket_errors:
            notes.fault(f"{workload.key} ({workload.label}): {result.non_2xx_3xx} non-2xx/3xx answers, "
                         f"{result.socket_errors} socket errors; wrk said:\n\n```\n{result.output.strip()}\n```")
        measured.append((workload, status, length, result, (server.peak_memory_kib(), server.anonymous_memory_kib())))
    return measured, created


def bench_size(size, args, binary, template):
    """Everything for one archive size; returns its markdown section and how many faults it
    noted."""
    notes = Notes()
    path, generated = ensure_dataset(size, args.seed)
    database = service.Database(size, template)
    server = service.Server(binary, database.url)
    workdir = tempfile.mkdtemp(prefix="newsdesk-bench-wrk-")
    try:
        database.recreate()
        import_seconds, import_summary = database.import_file(binary, path)
        database_bytes = database.size_bytes()
        settled = database.settle()
        first_start_ms = server.start()
        server.stop()
        restart_ms = server.start()
        token = server.sign_in()
        workloads, q1_body, facts = prepare(server, token, workdir, args.walk_seconds, notes)
        wrk = dict(seconds=args.seconds, threads=args.threads, connections=args.connections)
        # nginx before and after the workloads: how much the machine itself varied meanwhile.
        reference_before = measure_reference(q1_body, wrk)
        reads = [w for w in workloads if w.document is None]
        writes = [w for w in workloads if w.document is not None]
        measured, _ = load(server, reads, token, wrk, notes)
        peak_kib = server.peak_memory_kib()
        if args.uncached:
            # The same reads with the response cache off: what every answer costs to compute.
            server.stop()
            server.options = ["--cache-mb", "0"]
            server.start()
            uncached, _ = load(server, reads, token, wrk, notes)
            measured += [(w.noted("cache off"), *rest) for w, *rest in uncached]
        written, created = load(server, writes, token, wrk, notes)
        measured += written
        peak_kib = max(peak_kib, server.peak_memory_kib())
        reference_after = measure_reference(q1_body, wrk)
    finally:
        server.close()
        database.close()
        shutil.rmtree(workdir, ignore_errors=True)
    baseline = (reference_before.requests_per_second + reference_after.requests_per_second) / 2
    answer = f"200, {len(q1_body):,} B"
    lines = [row("ref", "nginx, static file with Q1's bytes (before)", answer, reference_before, baseline)]
    lines += [row(w.key, w.label, f"{status}, {length:,} B", result, baseline) for w, status, length, result, _ in measured]
    lines.append(row("ref", "nginx again (after)", answer, reference_after, baseline))
    logged = [line for line in server.log_lines if line.strip()]
    if logged:
        shown = "\n".join(logged[:10])
        notes.append(f"the server logged {len(logged)} lines at warn level or above; the first:\n\n```\n{shown}\n```")
    generated_text = "cached" if generated is None else f"generated in {generated:.1f} s"
    header = [
        f"## {size:,} items ({'PostgreSQL' if database.is_postgres else 'SQLite'})",
        "",
        f"- archive: `{os.path.relpath(path, REPO)}`, {os.path.getsize(path) / 1e6:,.1f} MB, {generated_text}",
        f"- import: {import_seconds:.1f} s ({size / import_seconds:,.0f} items/s): {import_summary}",
        f"- database on disk after import: {database_bytes / 1e6:,.1f} MB" + (f"; {settled}" if settled else ""),
        f"- start-up to /ready: {first_start_ms:.0f} ms on the first start (which creates the admin account: "
        f"one Argon2id hash), {restart_ms:.0f} ms on a restart",
        f"- {facts['public_items']:,} public items; month {facts['month']} has {facts['month_total']}; "
        f"`q={facts['word']}` matches {facts['word_total']:,} "
        f"({facts['word_total'] / max(1, facts['public_items']):.1%}); walking to page {facts['page']} "
        f"by cursor ({WALK_LIMIT} a page) took {facts['walk_seconds']:.1f} s",
        f"- peak resident memory of the server (VmHWM, mapped files' pages included) after all the load: "
        f"{peak_kib / 1024:,.1f} MiB; anonymous memory (RssAnon) after each workload at most "
        f"{max(anon for *_, (_, anon) in measured) / 1024:,.1f} MiB; after each workload, peak / anonymous: "
        + ", ".join(f"{w.key} {hwm / 1024:,.0f}/{anon / 1024:,.0f}" for w, *_, (hwm, anon) in measured),
        f"- Q7 created {created:,} items (besides the one checked before the run)",
        "",
        "| | request | single answer | req/s | vs nginx (mean) | p50 ms | p99 ms | non-2xx/3xx | socket errors |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    section = header + lines
    if notes:
        section += ["", "Notes:", ""] + [f"- {note}" for note in notes]
    return "\n".join(section) + "\n", notes.faults


def database_template(args):
    """The database URL template: `{size}` is replaced; none means a temporary SQLite file."""
    if args.postgres:
        parts = urllib.parse.urlsplit(args.postgres)
        return urllib.parse.urlunsplit(parts._replace(path="/newsdesk_bench_{size}"))
    return args.database_url_template


def describe_binary(binary):
    modified = datetime.datetime.fromtimestamp(os.path.getmtime(binary), datetime.timezone.utc)
    return f"`{binary}` (built {modified:%Y-%m-%d %H:%M} UTC)"


def git_commit():
    result = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            timeout=10)
    return result.stdout.strip() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma list of archive sizes (items)")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run (default 10)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--binary", help="the newsdesk binary (default: target/release/newsdesk of this repo)")
    parser.add_argument("--seed", type=int, default=1, help="archive seed (default 1)")
    parser.add_argument("--walk-seconds", type=int, default=600,
                        help="time limit of the cursor walk to Q5's deep page (default 600)")
    backend = parser.add_mutually_exclusive_group()
    backend.add_argument("--database-url-template", metavar="URL",
                         help="database per size, {size} replaced, e.g. sqlite://target/bench/bench-{size}.db or "
                              "postgres://USER:PASSWORD@127.0.0.1:5432/newsdesk_bench_{size}; it is DROPPED and "
                              "re-created, so its name must contain 'bench' (default: a temporary SQLite file)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a workload got an answer a correct server never gives (a smoke run)")
    parser.add_argument("--uncached", action="store_true",
                        help="run the reads again on a server with its response cache off (--cache-mb 0)")
    backend.add_argument("--postgres", metavar="SERVER_URL",
                         help="PostgreSQL server whose user may create databases, e.g. "
                              "postgres://USER:PASSWORD@127.0.0.1:5432: uses newsdesk_bench_SIZE there")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    binary = os.path.abspath(args.binary or os.path.join(REPO, "target", "release", "newsdesk"))
    if not os.access(binary, os.X_OK):
        parser.error(f"no executable newsdesk at {binary}; build it with `cargo build --release`")
    template = database_template(args)
    ensure_installed({**TOOLS, **(POSTGRES_TOOLS if template and template.startswith("postgres") else {})})
    os.makedirs(OUTPUT, exist_ok=True)
    report = [
        "# newsdesk benchmark",
        "",
        f"- {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {git_commit()}, "
        f"binary {describe_binary(binary)}, {os.cpu_count()} CPUs",
        f"- wrk -t{args.threads} -c{args.connections} -d{args.seconds}s --latency (10 s timeout), on 127.0.0.1; "
        "the server, nginx and wrk share the machine",
        "",
    ]
    faults = 0
    for size in sizes:
        print(f"== {size:,} items", file=sys.stderr)
        try:
            section, found = bench_size(size, args, binary, template)
            faults += found
        except service.BenchError as e:
            sys.exit(f"run.py: {size:,} items: {e}")
        print(section, flush=True)
        report.append(section)
        with open(os.path.join(OUTPUT, "results.md"), "w", encoding="utf-8") as f:
            f.write("\n".join(report))
    print(f"written to {os.path.relpath(os.path.join(OUTPUT, 'results.md'))}", file=sys.stderr)
    if args.strict and faults:
        sys.exit(f"run.py: {faults} faults (see the notes above)")


if __name__ == "__main__":
    main()
