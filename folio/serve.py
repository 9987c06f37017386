"""``folio serve``: live preview. folio watches posts/, kernels/, the hand-written pages and
mkdocs.yml, and rebuilds what changed into build/site, which it serves with live reload.

A prose edit re-renders that post's page from the cache (no kernel starts) and the site is
patched in place (see site.patch: that page, the search index and the feed); a code edit
re-executes that post only; a kernels/ edit re-executes the posts whose cache key it changes.
Browsers showing the site reload once the rebuild is written.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from watchdog.events import (DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileCreatedEvent,
                             FileDeletedEvent, FileModifiedEvent, FileMovedEvent,
                             FileSystemEventHandler)
from watchdog.observers import Observer

from .config import Project
from .errors import FolioError
from .lock import BuildLocked
from .console import say
from .options import BuildOptions
from .pipeline import build
from .execute.ahead import WarmKernel, has_code
from .site.build import SiteBuild
from .uptodate import GENERATED


# The events watched for. Not opens and closes: on Linux every file a build reads under a watched
# folder was one, and at 500 posts the watcher's thread handling them took 40 ms of each
# rebuild's time (they hold the interpreter's lock).
WATCHED = [FileCreatedEvent, FileModifiedEvent, FileMovedEvent, FileDeletedEvent,
           DirCreatedEvent, DirMovedEvent, DirDeletedEvent]


QUIET = 0.05  # seconds without a change before a rebuild starts: an editor's save is one burst
# Seconds after a rebuild before the next one's site worker and kernel start: importing mkdocs
# on one core while the browsers reload on the other cost 0.07 s of each refresh.
HELPERS_AFTER = 0.25


class _Changes(FileSystemEventHandler):
    """Collects changed post slugs; a short quiet period batches an editor's save bursts."""

    def __init__(self, project: Project):
        self.project, self.slugs, self.all = project, set(), False
        self.lock, self.last = threading.Condition(), 0.0
        docs = project.docs_dir.resolve()
        # What folio itself writes into the site's pages: not an author's edit.
        self.generated = tuple(docs / name for name in GENERATED)
        self.docs, self.config = docs, (project.root / "mkdocs.yml").resolve()

    def _ignored(self, path: Path) -> bool:
        if path.suffix in (".pyc", ".tmp") or "__pycache__" in path.parts or path.name.startswith("."):
            return True
        resolved = path.resolve()
        if resolved.parent == self.config.parent:  # the project's own folder: mkdocs.yml only
            return resolved != self.config
        return resolved.is_relative_to(self.docs) and any(
            resolved == g or resolved.is_relative_to(g) for g in self.generated)

    def on_any_event(self, event):
        # Reads show up as opened/closed events on Linux: only changes count.
        if event.event_type not in ("created", "modified", "moved", "deleted") or (
                event.is_directory and event.event_type == "modified"):
            return
        # A move counts at both ends: an editor that saves by renaming a temporary file (often
        # a dot-file, which is ignored) over index.md changes index.md.
        ends = [event.src_path] + ([event.dest_path] if event.event_type == "moved" else [])
        paths = [Path(p) for p in ends if not self._ignored(Path(p))]
        if not paths:
            return
        posts = self.project.posts_dir.resolve()
        with self.lock:
            for path in paths:
                try:
                    rel = path.resolve().relative_to(posts)
                except ValueError:
                    rel = None
                if rel is None or event.is_directory and len(rel.parts) <= 1:
                    # kernels/: the cache key decides which posts re-run; a page or mkdocs.yml:
                    # the posts are current, the site is built again; a post's folder came,
                    # went or was renamed: every post, so the site loses the old one
                    self.all = True
                else:
                    self.slugs.add(rel.parts[0])
            self.last = time.monotonic()
            self.lock.notify_all()

    def put_back(self, batch: tuple[str, ...]) -> None:
        """A batch that could not be built now (another build holds the lock): again later."""
        with self.lock:
            if batch:
                self.slugs.update(batch)
            else:
                self.all = True
            self.last = time.monotonic()
            self.lock.notify_all()

    def wait(self, quiet: float, timeout: float):
        """The changed slugs (() for everything) once something changed and then nothing for
        ``quiet`` seconds; None when nothing changed within ``timeout``."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                now = time.monotonic()
                if self.slugs or self.all:
                    if now - self.last >= quiet:
                        slugs, everything = self.slugs, self.all
                        self.slugs, self.all = set(), False
                        return () if everything else tuple(sorted(slugs))
                    self.lock.wait(self.last + quiet - now)
                elif now >= deadline:
                    return None
                else:
                    self.lock.wait(deadline - now)


def site_url(project: Project, host: str, port: int) -> str:
    """The preview is served under the path of the site_url (e.g. /folio/), as on the published site."""
    text = (project.root / "mkdocs.yml").read_text(encoding="utf-8")
    url = next((l.split(":", 1)[1].strip() for l in text.splitlines() if l.startswith("site_url:")), "/")
    path = urlparse(url).path or "/"
    return f"http://{host}:{port}{path if path.endswith('/') else path + '/'}"


def preview_options(jobs: int, only: tuple[str, ...] = ()) -> BuildOptions:
    """How serve builds: every post it can, and a post whose check fails still gets its page,
    showing the failure, so the author sees it; then the site (patched in place when only
    pages changed, see site.patch)."""
    return BuildOptions(jobs=jobs, keep_going=True, site=True, only=only)


def rebuild(project: Project, jobs: int, only: tuple[str, ...] = (),
            site: SiteBuild | None = None, warm: WarmKernel | None = None) -> bool:
    """One preview build (``site``, ``warm``: a site worker and a kernel started ahead of it);
    its errors are printed, never raised: the preview keeps running. False when another build
    holds the lock (try again later)."""
    try:
        build(project, preview_options(jobs, only), site=site, warm=warm)
    except BuildLocked as exc:
        say(f"folio: waiting: {exc.render()}")
        return False
    except FolioError as exc:
        say(f"folio: error: {exc.render()}")
    return True


def preview_server(project: Project, host: str, port: int):
    """mkdocs' live-reload server over build/site, at the site_url's path; ``shown()`` makes
    the browsers showing it reload."""
    from mkdocs.livereload import LiveReloadServer, _timestamp

    class PreviewServer(LiveReloadServer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Hack: mkdocs puts its reload script into the pages it serves only when its own
            # watcher has paths to watch. folio watches (see serve); mkdocs' watcher is given
            # the site's folder so the script goes in, and never started.
            self._watched_paths = {self.root: 1}

        def shown(self) -> None:
            """Hack: mkdocs' server reloads its pages after its own builder has run; here folio
            builds, so the version it serves is set as its build loop sets it."""
            with self._epoch_cond:
                self._wanted_epoch = self._visible_epoch = _timestamp()
                self._epoch_cond.notify_all()

        def _serve_request(self, environ, start_response):
            """Hack: mkdocs opens a file and then takes its length from its path; folio writes
            a file by renaming a new one over it, so a file replaced in between was served with
            the new file's length and the old one's bytes (a client waits for bytes that never
            come). The Content-Length sent is that of the bytes served."""
            held: list = []
            body = super()._serve_request(environ, lambda *a: held.append(a))
            if not held:
                return body
            status, headers = held[0][:2]
            served = getattr(body, "filelike", None)
            if served is not None:
                size = (served.getbuffer().nbytes if isinstance(served, io.BytesIO)
                        else os.fstat(served.fileno()).st_size)
                headers = [(k, str(size) if k.lower() == "content-length" else v)
                           for k, v in headers]
            start_response(status, headers)
            return body

    site = project.site_dir

    def error_page(code: int) -> bytes | None:
        page = site / f"{code}.html"
        return page.read_bytes() if code in (404, 500) and page.is_file() else None

    mount = urlparse(site_url(project, host, port)).path
    server = PreviewServer(builder=lambda: None, host=host, port=port, root=str(site),
                           mount_path=mount)
    server.error_handler = error_page
    return server


def serve(project: Project, *, host: str, port: int, jobs: int) -> int:
    """Until Ctrl-C (exit code 0), or until the server cannot listen (1)."""
    # Pages rendered for the preview tell the author what to fix (see render.marks).
    os.environ["FOLIO_PREVIEW"] = "1"
    say("folio: first build (execution is cached; only changed posts run)")
    while not rebuild(project, jobs):
        time.sleep(1.0)
    server = preview_server(project, host, port)
    try:
        server.server_bind()
        server.server_activate()
    except OSError as exc:
        say(f"folio: error: cannot serve on {host}:{port} ({exc.strerror or exc}); "
            "choose another with --port")
        return 1
    port = server.server_port  # --port 0: the free port the system chose
    server.serve_thread.start()
    changes = _Changes(project)
    observer = Observer()
    for d in (project.posts_dir, project.kernels_dir, project.docs_dir):
        if d.is_dir():
            observer.schedule(changes, str(d), recursive=True, event_filter=WATCHED)
    observer.schedule(changes, str(project.root), recursive=False,  # mkdocs.yml
                      event_filter=WATCHED)
    observer.start()
    say(f"folio: serving {site_url(project, host, port)} ; edit posts/ and the page reloads (Ctrl-C stops)")
    # The next build's site worker and kernel are started ahead of the edit: mkdocs is imported
    # and the config loaded (see site.worker), the kernel is up (see execute.ahead), by the time
    # they are needed.
    coded, gpu = has_code(project), shutil.which("nvidia-smi") is not None

    def ahead() -> WarmKernel | None:
        return WarmKernel(project.root, gpu=gpu) if coded else None

    warm = kernel = None
    due = time.monotonic()  # when the next build's helpers start
    try:
        while True:
            if warm is None and time.monotonic() >= due:
                warm, kernel = SiteBuild(project), ahead()
            wait = 0.5 if warm is not None else max(0.01, due - time.monotonic())
            batch = changes.wait(quiet=QUIET, timeout=wait)
            if batch is None:
                continue
            if warm is None:  # an edit came before they were due: they start with its build
                warm, kernel = SiteBuild(project), ahead()
            t0 = time.perf_counter()
            done = rebuild(project, jobs, batch, warm, kernel)
            warm = kernel = None  # the build took them, or shut them down
            due = time.monotonic() + HELPERS_AFTER
            if not done:
                changes.put_back(batch)
                time.sleep(1.0)
                continue
            server.shown()
            say(f"folio: rebuilt {', '.join(batch) or 'all posts'} in {time.perf_counter() - t0:.2f} s")
    except KeyboardInterrupt:
        return 0
    finally:
        if warm is not None:
            warm.cancel()
        if kernel is not None:
            kernel.close()
        observer.stop()
        server.shutdown()
