"""Serve a built site on a free loopback port, list its pages from the sitemap, poll a URL, and
stop a server started in its own process group."""

from __future__ import annotations

import functools
import gzip
import io
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse


COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".xsl", ".ipynb", ".txt", ".py")


class _Handler(SimpleHTTPRequestHandler):
    """A static server that gzips text as GitHub Pages does, so measured sizes are realistic."""

    _gz: dict[str, bytes] = {}

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants and path.endswith(COMPRESSIBLE) and os.path.isfile(path)):
            return super().send_head()
        if self.path.split("?")[0].endswith("/") is False and os.path.isdir(self.translate_path(self.path)):
            return super().send_head()  # let the base class redirect to the trailing slash
        if path not in self._gz:
            with open(path, "rb") as f:
                self._gz[path] = gzip.compress(f.read(), mtime=0)
        body = self._gz[path]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class SiteServer:
    def __init__(self, site_dir: Path):
        handler = functools.partial(_Handler, directory=str(site_dir))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "SiteServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def sitemap_pages(site_dir: Path) -> list[str]:
    """Site-relative paths of every page in sitemap.xml ('' is the home page)."""
    xml = (site_dir / "sitemap.xml").read_text(encoding="utf-8")
    paths = []
    for loc in re.findall(r"<loc>([^<]+)</loc>", xml):
        path = urlparse(loc).path
        paths.append(path)
    # The sitemap's URLs carry the site_url's path prefix (e.g. /folio/); strip the common one.
    prefix = _common_prefix(paths)
    return sorted({p[len(prefix):] for p in paths})


def _common_prefix(paths: list[str]) -> str:
    if not paths:
        return "/"
    first = min(paths, key=len)
    prefix = first[: first.rfind("/") + 1] if first.endswith("/") else first
    while prefix and not all(p.startswith(prefix) for p in paths):
        prefix = prefix[: prefix[:-1].rfind("/") + 1]
    return prefix or "/"


def fetch(url: str) -> str:
    """The body at ``url``, or "" while nothing answers there."""
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode()
    except OSError:
        return ""


def wait_for(predicate, timeout: float) -> float:
    """Seconds until ``predicate()`` holds, polled every 50 ms; AssertionError after ``timeout``."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if predicate():
            return time.perf_counter() - t0
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s")


SERVING = re.compile(r"folio: serving (http://\S+)")


def start_serve(command: list[str], cwd: Path, log: Path, env: dict | None = None,
                timeout: float = 300) -> tuple[subprocess.Popen, str]:
    """``command`` (a ``folio serve`` line, given ``--port 0``) started in ``cwd`` with its
    output in ``log``; returns the process and the site URL it printed once it listens. The
    system picks the port and the server holds it from then on: a port picked here and passed
    in could be taken before the server bound it (CI saw a kernel's ZMQ socket answer there)."""
    out = open(log, "w+")
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    out.close()
    found: list[str] = []

    def listening() -> bool:
        m = SERVING.search(log.read_text(errors="replace"))
        if m:
            found.append(m.group(1))
        return bool(m) or proc.poll() is not None

    try:
        wait_for(listening, timeout)
    except AssertionError:
        interrupt(proc, 15)
        raise
    if not found:
        raise AssertionError(f"folio serve exited {proc.returncode}:\n"
                             + log.read_text(errors="replace")[-2000:])
    return proc, found[0]


def interrupt(proc: subprocess.Popen, timeout: float) -> None:
    """Ctrl-C to a server started with ``start_new_session=True`` (its whole process group),
    then a kill if it has not stopped within ``timeout`` seconds."""
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
