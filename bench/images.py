"""Images: uploads of 12-megapixel JPEGs (4000 x 3000), timed to their 201 with every variant
made, and the server's peak memory; one variant served by newsdesk next to nginx serving the
same file; and a listing page of 20 items, each with its own image, next to the same page without.

The photos are made with Pillow (installed once into target/bench/pillow-venv from PyPI):
noise over gradients, so that they compress like photos rather than like flat colour, each
one different. The server runs with its response cache off, so that every listing is
computed and every file read from the store."""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import loadgen
import reference
import run
import service

PHOTO_SCRIPT = r"""
import sys
from PIL import Image
width, height, seed, path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
noise = Image.effect_noise((width, height), 40 + seed)
across = Image.linear_gradient("L").resize((width, height)).rotate(90 * (seed % 4), expand=False)
down = Image.radial_gradient("L").resize((width, height))
photo = Image.merge("RGB", (Image.blend(noise, across, 0.6), Image.blend(noise, down, 0.5), across))
photo.save(path, "JPEG", quality=90)
"""


def photos(count, workdir, size=(4000, 3000)):
    """`count` different JPEGs of `size`, as bytes."""
    python = run.venv_python("pillow-venv", ["pillow"])
    made = []
    for seed in range(count):
        path = os.path.join(workdir, f"photo-{seed}.jpg")
        subprocess.run([python, "-c", PHOTO_SCRIPT, str(size[0]), str(size[1]), str(seed), path],
                       check=True, timeout=300)
        with open(path, "rb") as f:
            made.append(f.read())
    return made


def upload(server, token, photo, alt):
    """POSTs a photo as the raw body; returns the seconds to the answer and the image."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        started = time.perf_counter()
        connection.request("POST", f"/api/v1/media?alt={alt}", body=photo,
                           headers={"Content-Type": "image/jpeg", "Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    if response.status != 201:
        raise service.BenchError(f"upload answered {response.status}: {body[:500]!r}")
    return elapsed, json.loads(body)


def create_items(server, token, day, image_ids):
    """20 published items on `day`, each featuring its own of `image_ids` (or none)."""
    for n, image_id in enumerate(image_ids or [None] * 20):
        item = {"title": f"Item {n} of {day}", "summary": "A summary of the item, as listings show it.",
                "body": "Words. " * 200, "topic": None, "published_at": f"{day}T{n:02d}:00:00Z",
                "status": "published", "image_id": image_id}
        status, _, body = server.request("POST", "/api/v1/news", body=item,
                                         headers={"Authorization": f"Bearer {token}"})
        if status != 201:
            raise service.BenchError(f"creating an item answered {status}: {body[:300]!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=5, help="photos uploaded, one at a time (default 5)")
    parser.add_argument("--seconds", type=int, default=10, help="wrk seconds per row (default 10)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="listing rounds, with and without images in turn, whichever went second going first "
                             "in the next (default 4)")
    parser.add_argument("--binary", default=os.path.join(run.REPO, "target", "release", "newsdesk"))
    args = parser.parse_args()
    run.ensure_installed(run.TOOLS)
    workdir = tempfile.mkdtemp(prefix="newsdesk-bench-images-")
    database = service.Database(0)
    server = service.Server(args.binary, database.url)
    server.options = ["--cache-mb", "0"]
    wrk = dict(seconds=args.seconds, threads=2, connections=16)
    try:
        made = photos(args.uploads, workdir)
        server.start()
        token = server.sign_in()
        before = server.peak_memory_kib()
        times, image = [], None
        for n, photo in enumerate(made):
            elapsed, image = upload(server, token, photo, f"Photo%20{n}")
            times.append(elapsed)
            print(f"  upload {n + 1}: {elapsed * 1000:,.0f} ms", file=sys.stderr)
        peak = server.peak_memory_kib()

        variant = next(v for v in image["variants"] if v["type"] == "image/webp" and v["width"] == 640)
        path = variant["url"][len(server.base):]
        status, _, file_bytes = server.request("GET", path)
        if status != 200 or len(file_bytes) != variant["bytes"]:
            raise service.BenchError(f"GET {path} answered {status} with {len(file_bytes)} bytes")
        ours = loadgen.run(server.base + path, **wrk)
        nginx = reference.Nginx(file_bytes, service.free_port())
        try:
            theirs = loadgen.run(nginx.url, **wrk)
        finally:
            nginx.close()

        # Each item of the page its own image, wide enough for every variant, as on a front page.
        featured = [upload(server, token, photo, f"Card%20{n}")[1]["id"]
                    for n, photo in enumerate(photos(20, workdir, size=(2000, 1500)))]
        create_items(server, token, "2024-01-15", featured)
        create_items(server, token, "2024-02-15", None)
        # One pair of runs on two busy cores moves by 15% from one try to the next; rounds
        # alternating which goes first, and their means, are what the ratio is taken from.
        listings = {"2024-01": [], "2024-02": []}
        for n in range(args.rounds):
            for month in (("2024-01", "2024-02") if n % 2 == 0 else ("2024-02", "2024-01")):
                listings[month].append(loadgen.run(f"{server.base}/api/v1/news?on={month}&limit=20", **wrk))
        with_images, without = listings["2024-01"], listings["2024-02"]
        page_sizes = [len(server.request("GET", f"/api/v1/news?on={month}&limit=20")[2]) for month in ("2024-01", "2024-02")]
    finally:
        server.close()
        database.close()
        shutil.rmtree(workdir, ignore_errors=True)

    sizes = ", ".join(f"{len(p) / 1e6:.1f}" for p in made)
    print(f"{args.uploads} uploads of 4000 x 3000 JPEGs ({sizes} MB), one at a time, "
          f"variants at {', '.join(str(v['width']) for v in image['variants'][::2])} in WebP and JPEG\n")
    print("| upload | median | fastest | slowest | server peak memory (VmHWM) | before the uploads |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| 12 MP JPEG to 201 | {statistics.median(times) * 1000:,.0f} ms | {min(times) * 1000:,.0f} ms | "
          f"{max(times) * 1000:,.0f} ms | {peak / 1024:,.1f} MiB | {before / 1024:,.1f} MiB |\n")
    print(f"wrk -t2 -c16 -d{args.seconds}s, response cache off\n")
    print("| row | req/s | p50 ms | p99 ms | errors | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    row = lambda name, r, ratio: print(f"| {name} | {r.requests_per_second:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
                                       f"{r.non_2xx_3xx + r.socket_errors} | {ratio} |")
    row(f"newsdesk, a 640 WebP variant ({len(file_bytes):,} bytes)", ours,
        f"{ours.requests_per_second / theirs.requests_per_second:.0%} of nginx")
    row("nginx, the same file", theirs, "")
    mean = lambda runs: statistics.mean(r.requests_per_second for r in runs)
    rounds = lambda runs: ", ".join(f"{r.requests_per_second:,.0f}" for r in runs)
    print(f"\nListing of 20 items, req/s in {args.rounds} rounds (wrk -t2 -c16 -d{args.seconds}s, cache off):\n")
    print("| page | rounds | mean | p99 ms (last round) | errors | ratio |")
    print("|---|---|---:|---:|---:|---:|")
    errors = lambda runs: sum(r.non_2xx_3xx + r.socket_errors for r in runs)
    print(f"| each item with its own image ({page_sizes[0]:,} bytes) | {rounds(with_images)} | {mean(with_images):,.0f} | "
          f"{with_images[-1].p99_ms:.2f} | {errors(with_images)} | {mean(with_images) / mean(without) - 1:+.1%} against without |")
    print(f"| without images ({page_sizes[1]:,} bytes) | {rounds(without)} | {mean(without):,.0f} | "
          f"{without[-1].p99_ms:.2f} | {errors(without)} | |")


if __name__ == "__main__":
    main()
