"""A WebSub round trip with the release binary and a subscriber on loopback: the feed names
its hub; the subscriber asks, confirms the hub's challenge, receives the new feed document
signed with its secret when an item is published, and receives nothing once its lease has
ended; an unsubscription is confirmed too.

Usage: python3 .ci/websub.py BINARY
"""
import hashlib
import hmac
import http.server
import sys
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from harness import Failure, Server, call, report, sign_in

SECRET = "a subscriber's secret"
LEASE = 10
ATOM = "{http://www.w3.org/2005/Atom}"


class Subscriber:
    def __init__(self):
        self.verifications, self.pushes = [], []
        subscriber = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                subscriber.verifications.append(query)
                challenge = query.get("hub.challenge", "").encode()
                self.send_response(200)
                self.send_header("content-length", str(len(challenge)))
                self.end_headers()
                self.wfile.write(challenge)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                subscriber.pushes.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def wait(what, condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise Failure(f"{what} did not happen within {seconds} s")
        time.sleep(0.05)


def hub(port, form):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/websub", method="POST",
                                     data=urllib.parse.urlencode(form).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        if answer.status != 202:
            raise Failure(f"POST /websub answered {answer.status}")


def main():
    server = Server(sys.argv[1], "websub", extra_args=["--webhook-allow-private", "true"])
    subscriber = Subscriber()
    try:
        server.start("demo")
        token = sign_in(server.port)
        topic = f"http://127.0.0.1:{server.port}/feeds/news.atom?topic=terrorism"
        with urllib.request.urlopen(topic, timeout=30) as feed:
            links = feed.headers["Link"]
            hubs = [l.get("href") for l in ET.fromstring(feed.read()).findall(f"{ATOM}link") if l.get("rel") == "hub"]
        hub_url = f"http://127.0.0.1:{server.port}/websub"
        if hubs != [hub_url] or f"<{topic}>; rel=\"self\"" not in links:
            raise Failure(f"the feed names hubs {hubs} and Link {links!r}")

        hub(server.port, {"hub.mode": "subscribe", "hub.callback": subscriber.url, "hub.topic": topic,
                          "hub.secret": SECRET, "hub.lease_seconds": str(LEASE)})
        wait("the verification of intent", lambda: subscriber.verifications)
        verified = subscriber.verifications[0]
        if (verified.get("hub.mode"), verified.get("hub.topic"), verified.get("hub.lease_seconds")) != \
                ("subscribe", topic, str(LEASE)):
            raise Failure(f"verification asked {verified}")
        subscribed = time.monotonic()
        time.sleep(1.5)  # the subscription is stored once confirmed

        call(server.port, "POST", "/api/v1/news", {"title": "Pushed by the hub", "topic": "terrorism",
                                                   "published_at": "2024-01-01T00:00:00Z"}, token)
        wait("the push of the changed feed", lambda: subscriber.pushes)
        headers, body = subscriber.pushes[0]
        signature = {k.lower(): v for k, v in headers.items()}.get("x-hub-signature", "")
        if signature != "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest():
            raise Failure(f"bad X-Hub-Signature {signature!r}")
        titles = [e.findtext(f"{ATOM}title") for e in ET.fromstring(body).findall(f"{ATOM}entry")]
        if "Pushed by the hub" not in titles:
            raise Failure(f"the pushed feed lacks the new item: {titles}")

        time.sleep(max(0.0, subscribed + LEASE + 1 - time.monotonic()))
        call(server.port, "POST", "/api/v1/news", {"title": "After the lease", "topic": "terrorism",
                                                   "published_at": "2024-01-02T00:00:00Z"}, token)
        time.sleep(3)
        if len(subscriber.pushes) != 1:
            raise Failure(f"{len(subscriber.pushes)} pushes; the lease had ended after the first")

        hub(server.port, {"hub.mode": "unsubscribe", "hub.callback": subscriber.url, "hub.topic": topic})
        wait("the verification of the unsubscription", lambda: len(subscriber.verifications) == 2)
        if subscriber.verifications[1].get("hub.mode") != "unsubscribe":
            raise Failure(f"verification asked {subscriber.verifications[1]}")
        server.terminate()
        server.scan_log()
    except Failure as e:
        return report("websub", e, server)
    finally:
        server.stop()
    print("websub: ok (discovery, verification, a signed push of the changed feed, lease end, unsubscription)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
