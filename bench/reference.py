"""The reference row: nginx serving a static file with exactly the bytes of a newsdesk answer,
on the same machine and loopback, measured with the same wrk settings. It says how fast this
machine can deliver those bytes over HTTP at all, so that a ratio to it travels between
machines better than a bare number of requests per second."""
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

CONFIG = """\
worker_processes auto;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    default_type application/json;
    types {{ }}
    sendfile on;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/www;
{extra}
    }}
}}
"""
FILE_NAME = "answer.json"


def nginx_binary():
    """nginx lives in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


class Nginx:
    """nginx in a temporary prefix of its own (config, pid, logs, document root), in the
    foreground, serving `body` as application/json at `url`. It keeps nginx's keep-alive
    unlimited like newsdesk's, so that wrk's connections are reused for the whole run in
    both cases."""

    def __init__(self, body, port, accept_posts=False):
        """`accept_posts`: every POST is answered 204 at once (a webhook receiver that costs
        next to nothing)."""
        self.prefix = tempfile.mkdtemp(prefix="newsdesk-bench-nginx-")
        self.url = f"http://127.0.0.1:{port}/{FILE_NAME}"
        os.makedirs(os.path.join(self.prefix, "www"))
        os.makedirs(os.path.join(self.prefix, "tmp"))
        with open(os.path.join(self.prefix, "www", FILE_NAME), "wb") as f:
            f.write(body)
        # Run as root, nginx's workers switch to an unprivileged user, which must read the file.
        for path in (self.prefix, os.path.join(self.prefix, "www")):
            os.chmod(path, 0o755)
        os.chmod(os.path.join(self.prefix, "www", FILE_NAME), 0o644)
        config = os.path.join(self.prefix, "nginx.conf")
        with open(config, "w", encoding="utf-8") as f:
            extra = "        location = /hook { return 204; }" if accept_posts else ""
            f.write(CONFIG.format(prefix=self.prefix, port=port, extra=extra))
        self.proc = subprocess.Popen(
            [nginx_binary(), "-e", os.path.join(self.prefix, "error.log"), "-c", config, "-p", self.prefix],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_ready(body)

    def _wait_ready(self, body):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited at start: {self.proc.stderr.read().decode(errors='replace')}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as answer:
                    served = answer.read()
                    if served != body or answer.headers.get_content_type() != "application/json":
                        raise RuntimeError("nginx serves other bytes or another type than the answer it mirrors")
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("nginx did not answer within 10 s")

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()
        shutil.rmtree(self.prefix, ignore_errors=True)
