"""Serve a built site on a free loopback port, and list its pages from the sitemap."""

from __future__ import annotations

import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class SiteServer:
    def __init__(self, site_dir: Path):
        handler = functools.partial(_Quiet, directory=str(site_dir))
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
