"""wrk, the load generator: one run per table row, its summary read back from wrk's text, and
the Lua scripts for what wrk's command line cannot do (count answers by status, POST a new
item with a unique title per request)."""
import dataclasses
import json
import os
import re
import subprocess

# Counts answers by status in each thread and prints the totals at the end, one line
# "status CODE COUNT" each: wrk itself only says how many were not 2xx or 3xx, which cannot tell
# a 304 from a 200. Used only where the exact status matters (Q7, Q8), since having wrk hand
# each answer to Lua costs it a little throughput.
STATUS_TALLY_LUA = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  statuses = {}
  counter = 0
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  for status, n in pairs(totals) do
    io.write(string.format("status %d %d\n", status, n))
  end
end
"""

# A POST whose title (and so slug) is new on every request: the run's start time, the thread's
# number and its own counter (a title seen in an earlier run against the same server would make
# each create look for a free slug). BODY_PREFIX .. title .. BODY_SUFFIX is the JSON document.
POST_LUA = r"""
wrk.method = "POST"
wrk.path = [==[{path}]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = [==[Bearer {token}]==]
local body_prefix = [==[{prefix}]==]
local body_suffix = [==[{suffix}]==]
local run = os.time()

function request()
  counter = counter + 1
  local title = string.format("Benchmark item %d-%d-%d", run, thread_id, counter)
  return wrk.format(nil, nil, nil, body_prefix .. title .. body_suffix)
end
"""
TITLE_MARK = "@@TITLE@@"


@dataclasses.dataclass
class WrkResult:
    """What a table row shows of one wrk run."""
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int
    statuses: dict  # status -> count, only when the run counted them
    output: str


def status_tally_script(directory):
    """Writes the status-counting script; returns its path."""
    path = os.path.join(directory, "statuses.lua")
    with open(path, "w", encoding="utf-8") as f:
        f.write(STATUS_TALLY_LUA)
    return path


def post_script(directory, path, token, document):
    """Writes a script that POSTs `document` (a dict whose "title" is replaced per request)
    to `path` with the bearer token, counting the answers by status; returns its path."""
    text = json.dumps({**document, "title": TITLE_MARK})
    prefix, suffix = text.split(json.dumps(TITLE_MARK))
    prefix, suffix = prefix + '"', '"' + suffix
    parts = {"path": path, "token": token, "prefix": prefix, "suffix": suffix}
    if any("]==]" in value for value in parts.values()):
        raise ValueError("a value would end a Lua long string")
    script = os.path.join(directory, "post.lua")
    with open(script, "w", encoding="utf-8") as f:
        f.write(STATUS_TALLY_LUA + POST_LUA.format(**parts))
    return script


def _milliseconds(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}[unit]


def parse(output):
    """Reads the numbers of a `wrk --latency` report."""
    def number(pattern, default=None):
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            if default is None:
                raise ValueError(f"no {pattern!r} in wrk's output:\n{output}")
            return default
        return match.groups()
    latency = {p: _milliseconds(v, u) for p, v, u in re.findall(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$",
                                                                   output, re.MULTILINE)}
    errors = number(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", ("0",) * 4)
    return WrkResult(
        requests=int(number(r"^\s*(\d+) requests in")[0]),
        requests_per_second=float(number(r"^Requests/sec:\s+([\d.]+)")[0]),
        p50_ms=latency.get("50", float("nan")),
        p99_ms=latency.get("99", float("nan")),
        non_2xx_3xx=int(number(r"Non-2xx or 3xx responses: (\d+)", ("0",))[0]),
        socket_errors=sum(int(e) for e in errors),
        statuses={int(s): int(n) for s, n in re.findall(r"^status (\d+) (\d+)$", output, re.MULTILINE)},
        output=output,
    )


def run(url, seconds, threads, connections, headers=(), script=None):
    """One wrk run against `url`; a 10 s request timeout, so that slow answers are measured
    rather than dropped as timeouts at wrk's default of 2 s."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", script]
    result = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed (exit {result.returncode}): {result.stderr.strip()}")
    return parse(result.stdout)
