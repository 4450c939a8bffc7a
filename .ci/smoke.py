"""Checks the running service from outside: the README's promises, and the RSS and Atom
feeds read by feedparser, which must report no problem (bozo) and keep every title intact.
feedparser's releases do not read JSON Feed; it is checked against the members its
specification (version 1.1) requires."""
import json
import sys
import urllib.error
import urllib.request

import feedparser

from harness import png

base, admin_password = sys.argv[1], sys.argv[2]


def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    if body is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get(path):
    return call("GET", path)


status, headers, body = get("/api/v1/news?on=2023-06")
june = json.loads(body)
assert status == 200 and june["total"] == 9, june
dates = [i["published_at"] for i in june["items"]]
assert dates == sorted(dates, reverse=True) and all(d.startswith("2023-06-") for d in dates), dates
status, headers, body = get("/api/v1/nope")
assert status == 404 and headers["content-type"] == "application/problem+json", (status, headers)
status, _, body = get("/openapi.json")
assert body == open("openapi/openapi.json", "rb").read(), "served document differs from openapi/openapi.json"
status, _, body = get("/api/v1/organizations/interpol")
assert json.loads(body)["member_count"] == 195

status, headers, _ = call("POST", "/api/v1/news", {"title": "Smoke"})
assert status == 401 and headers["www-authenticate"].startswith("Bearer"), (status, headers)
status, _, body = call("POST", "/api/v1/auth/token", {"username": "admin", "password": admin_password})
assert status == 200, body
token = json.loads(body)["access_token"]
tricky = "Tom & Jerry: <b>“quoted”</b> 'single' \"double\" — Ελληνικά 中文 العربية"
item = {"title": tricky, "summary": "Less < more & so on", "body": "**Bold** <script>x</script>",
        "topic": "policing", "region": "global", "author_id": 1, "published_at": "2023-07-11T12:00:00+02:00"}
status, headers, body = call("POST", "/api/v1/news", item, token)
assert status == 201 and headers["location"].endswith("/api/v1/news/13"), (status, headers, body)
status, _, body = get("/api/v1/news?on=2023-07")
assert json.loads(body)["total"] == 4

for path in ["/feeds/news.json", "/feeds/news.json?content=full&on=2023-07"]:
    status, headers, body = get(path)
    assert status == 200 and headers["content-type"].startswith("application/feed+json"), (path, status, headers)
    doc = json.loads(body)
    assert doc["version"] == "https://jsonfeed.org/version/1.1" and doc["title"] == "INTERPOL news", doc
    for entry in doc["items"]:
        assert entry["id"] and ("content_html" in entry or "content_text" in entry), entry
    assert doc["items"][0]["title"] == tricky, doc["items"][0]
    print("feed ok: %s (json feed 1.1, %d items)" % (path, len(doc["items"])))

for path in ["/feeds/news.rss", "/feeds/news.atom", "/feeds/news.atom?content=full",
             "/feeds/news.rss?content=full&topic=policing", "/feeds/news.rss?region=global&on=2023-07",
             "/feeds/news.rss?lang=en", "/feeds/news.atom?lang=en"]:
    status, headers, body = get(path)
    assert status == 200, (path, status, body)
    feed = feedparser.parse(body, response_headers={k.lower(): v for k, v in headers.items()})
    assert not feed.bozo, (path, feed.bozo_exception)
    titles = [entry.title for entry in feed.entries]
    assert titles and titles[0] == tricky, (path, titles[:2])
    assert feed.feed.title == "INTERPOL news", (path, feed.feed.get("title"))
    # The demo site has one language: every feed declares it.
    assert feed.feed.get("language") == "en", (path, feed.feed.get("language"))
    print("feed ok: %s (%s, %d entries)" % (path, feed.version, len(feed.entries)))
# Images: the demo's items feature one, every file answers, feedparser finds it in both feeds,
# and an upload is made ready before its answer.
status, _, body = get("/api/v1/news/1")
image = json.loads(body)["image"]
assert image["alt"] and image["placeholder"] and len(image["variants"]) >= 2, image
for file in [image] + image["variants"]:
    status, headers, body = get(file["url"][len(base):])
    assert status == 200 and headers["content-type"] == file["type"] and len(body) == file["bytes"], (file, status)
    assert headers["cache-control"] == "public, max-age=31536000, immutable" and headers["etag"], headers
for path in ["/feeds/news.rss", "/feeds/news.atom"]:
    feed = feedparser.parse(get(path)[2])
    enclosures = [e for entry in feed.entries for e in entry.get("enclosures", [])]
    assert enclosures and all(e["type"] == "image/jpeg" and int(e["length"]) > 0 for e in enclosures), (path, enclosures)
    if path.endswith(".rss"):
        assert all(entry.get("media_content") for entry in feed.entries[1:]), path
print("images ok: the demo's title cards, their files, enclosures in RSS and Atom")



req = urllib.request.Request(base + "/api/v1/media?alt=A%20smoke%20test", method="POST", data=png(700, 300),
                             headers={"content-type": "image/jpeg", "authorization": "Bearer " + token})
with urllib.request.urlopen(req) as r:
    assert r.status == 201, r.status
    uploaded = json.loads(r.read())
assert uploaded["type"] == "image/png" and (uploaded["width"], uploaded["height"]) == (700, 300), uploaded
assert [v["width"] for v in uploaded["variants"]] == [320, 320, 640, 640], uploaded["variants"]
print("upload ok: a PNG sent as image/jpeg is stored as the PNG it is, with its variants")
# Languages: the header chooses, the answer says which, and a language the site lacks is 422.
req = urllib.request.Request(base + "/api/v1/news?on=2023-06", headers={"accept-language": "fr-CA, en;q=0.5"})
with urllib.request.urlopen(req) as r:
    assert r.headers["content-language"] == "en" and "Accept-Language" in r.headers["vary"], dict(r.headers)
    assert json.loads(r.read())["total"] == june["total"]
status, headers, body = get("/api/v1/news?lang=de")
assert status == 422 and headers["content-type"] == "application/problem+json", (status, headers, body)
assert json.loads(body)["errors"][0]["field"] == "lang", body
print("languages ok: Accept-Language, Content-Language, Vary, 422 for lang=de")
print("smoke: ok (%d June headlines, newest %s)" % (june["total"], dates[0]))
