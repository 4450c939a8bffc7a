"""Images on S3-compatible storage, through the release binary: the demo's title cards and an
upload are written to the bucket (and nothing to a local directory), served with ranges,
still served after a SIGKILL and restart (the bucket, not the process, holds them), and
removed from the bucket with their image.

Usage: python3 .ci/media_s3.py BINARY   (with the variables `.ci/s3` prints)
"""
import json
import os
import sys
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

from harness import Failure, Server, call, png, report, sign_in

BUCKET = "newsdesk-test"


def fetch(port, url, headers=None):
    path = urllib.parse.urlsplit(url).path
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.status, r.headers, r.read()


def in_bucket(prefix):
    """The names under `prefix` in the bucket, asked of the S3 server itself."""
    query = urllib.parse.urlencode({"list-type": "2", "prefix": prefix + "/"})
    with urllib.request.urlopen(f"{os.environ['AWS_ENDPOINT_URL']}/{BUCKET}?{query}", timeout=30) as r:
        listing = ET.fromstring(r.read())
    return {key.text.removeprefix(prefix + "/") for key in listing.iter() if key.tag.endswith("}Key")}


def served(port, image):
    """Every file of `image` answers with its bytes; a range answers that part of them."""
    for file in [image] + image["variants"]:
        status, headers, body = fetch(port, file["url"])
        if status != 200 or headers["content-type"] != file["type"] or not body:
            raise Failure(f"{file['url']}: {status} {headers['content-type']}, {len(body)} bytes")
    status, headers, part = fetch(port, image["url"], {"range": "bytes=2-9"})
    if status != 206 or part != body_of(port, image["url"])[2:10]:
        raise Failure(f"a range of {image['url']}: {status}, {part!r}")


def body_of(port, url):
    return fetch(port, url)[2]


def main(binary):
    prefix = f"binary-{uuid.uuid4().hex[:12]}"
    server = Server(binary, "media-s3", extra_args=["--media-store", f"s3://{BUCKET}/{prefix}"])
    try:
        server.start("demo")
        item = call(server.port, "GET", "/api/v1/news?limit=1")["items"][0]
        served(server.port, item["image"])
        names = in_bucket(prefix)
        if not names or os.path.exists(os.path.join(server.workdir, "media")):
            raise Failure(f"the demo's files are not in the bucket alone: {sorted(names)[:5]}")
        print(f"demo ok: {len(names)} files in s3://{BUCKET}/{prefix}, none on disk, served with ranges")

        token = sign_in(server.port)
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/api/v1/media?alt=Uploaded%20to%20a%20bucket", method="POST",
            data=png(700, 300), headers={"content-type": "image/png", "authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as r:
            uploaded = json.load(r)
        new = in_bucket(prefix) - names
        if len(new) != 1 + len(uploaded["variants"]):
            raise Failure(f"the upload's files in the bucket: {sorted(new)}")

        server.kill()
        server.start("none")
        served(server.port, uploaded)
        print(f"upload ok: {len(new)} files written, served again after SIGKILL and restart")

        request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/v1/media/{uploaded['id']}",
                                         method="DELETE", headers={"authorization": f"Bearer {sign_in(server.port)}"})
        with urllib.request.urlopen(request, timeout=30) as r:
            if r.status != 204:
                raise Failure(f"DELETE of the upload answered {r.status}")
        if in_bucket(prefix) != names:
            raise Failure(f"left in the bucket after the delete: {sorted(in_bucket(prefix) - names)}")
        print("delete ok: the image's files are gone from the bucket, the demo's stay")
        server.scan_log()
    except Failure as failure:
        return report("media on S3", failure, server)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
