"""HTTP lint of the running server with REDbot (pinned in .ci/requirements.txt): checks one
URL and fails on every note REDbot classes as a problem ("bad") or a warning, unless
.ci/redbot-allowed.txt lists the note's name with the reason it is accepted. One URL per run:
REDbot's event loop does not start twice in one process.

    python .ci/http_lint.py URL
"""
import sys
from configparser import ConfigParser

import thor
from httplint.note import levels
from redbot.resource import HttpResource

ALLOWED_FILE = ".ci/redbot-allowed.txt"


def allowed():
    """Note names accepted, each with its reason: `NAME  reason` per line, `#` comments."""
    names = {}
    with open(ALLOWED_FILE, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, _, reason = line.partition(" ")
                if not reason.strip():
                    raise SystemExit(f"{ALLOWED_FILE}: {name} has no reason")
                names[name] = reason.strip()
    return names


def notes_of(url):
    """Every note REDbot makes of one URL (its subrequests' included), as (level, name, summary)."""
    config = ConfigParser()
    config.read_dict({"redbot": {"enable_local_access": "True"}})
    resource = HttpResource(config["redbot"])
    resource.set_request(url)

    @thor.events.on(resource)
    def check_done():
        thor.stop()

    resource.check()
    thor.run()
    found = []
    for note in resource.response.notes:
        for each in [note, *note.subnotes]:
            found.append((each.level, type(each).__name__, each.summary))
    return found


def main():
    url = sys.argv[1]
    accepted = allowed()
    failures = []
    for level, name, summary in notes_of(url):
        if level in (levels.BAD, levels.WARN):
            mark = "accepted" if name in accepted else "NOT ACCEPTED"
            print(f"  {level.value} {name}: {summary} ({mark})")
            if name not in accepted:
                failures.append(name)
    if failures:
        raise SystemExit(f"redbot: {url}: {len(failures)} notes not accepted in {ALLOWED_FILE}: {failures}")
    print(f"redbot: {url} ok")


if __name__ == "__main__":
    main()
