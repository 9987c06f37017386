"""``folio serve``: live preview. mkdocs serves site_src/ with live reload; folio watches posts/
and kernels/ and re-runs the pipeline (without mkdocs) for what changed.

A prose edit re-renders that post's page from the cache (no kernel starts); a code edit
re-executes that post only; a kernels/ edit re-executes the posts whose cache key it changes.
The page mkdocs serves reloads when folio rewrites the generated Markdown.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from .config import Project
from .errors import FolioError
from .lock import BuildLocked
from .console import say
from .options import BuildOptions
from .pipeline import build
from .site.build import DEFAULT_EPOCH


class _Changes(FileSystemEventHandler):
    """Collects changed post slugs; a short quiet period batches an editor's save bursts."""

    def __init__(self, project: Project):
        self.project, self.slugs, self.all = project, set(), False
        self.lock, self.last = threading.Lock(), 0.0

    def on_any_event(self, event):
        # Reads show up as opened/closed events on Linux: only changes count.
        if event.is_directory or event.event_type not in ("created", "modified", "moved", "deleted"):
            return
        path = Path(event.src_path)
        if path.suffix in (".pyc", ".tmp") or "__pycache__" in path.parts or path.name.startswith("."):
            return
        with self.lock:
            try:
                rel = path.resolve().relative_to(self.project.posts_dir.resolve())
                self.slugs.add(rel.parts[0])
            except ValueError:
                self.all = True  # kernels/: the cache key decides which posts re-run
            self.last = time.monotonic()

    def put_back(self, batch: tuple[str, ...]) -> None:
        """A batch that could not be built now (another build holds the lock): again later."""
        with self.lock:
            if batch:
                self.slugs.update(batch)
            else:
                self.all = True
            self.last = time.monotonic()

    def take(self, quiet: float = 0.3):
        with self.lock:
            if (not self.slugs and not self.all) or time.monotonic() - self.last < quiet:
                return None
            slugs, everything = self.slugs, self.all
            self.slugs, self.all = set(), False
            return () if everything else tuple(sorted(slugs))


def site_url(project: Project, host: str, port: int) -> str:
    """mkdocs serves the site under the path of its site_url (e.g. /folio/)."""
    text = (project.root / "mkdocs.yml").read_text(encoding="utf-8")
    url = next((l.split(":", 1)[1].strip() for l in text.splitlines() if l.startswith("site_url:")), "/")
    path = urlparse(url).path or "/"
    return f"http://{host}:{port}{path if path.endswith('/') else path + '/'}"


def preview_options(jobs: int, only: tuple[str, ...] = ()) -> BuildOptions:
    """How serve builds: every post it can, no mkdocs (``mkdocs serve`` renders), and a post
    whose check fails still gets its page, showing the failure, so the author sees it."""
    return BuildOptions(jobs=jobs, keep_going=True, site=False, only=only)


def rebuild(project: Project, jobs: int, only: tuple[str, ...] = ()) -> bool:
    """One preview build; its errors are printed, never raised: the preview keeps running.
    False when another build holds the lock (try again later)."""
    try:
        build(project, preview_options(jobs, only))
    except BuildLocked as exc:
        say(f"folio: waiting: {exc.render()}")
        return False
    except FolioError as exc:
        say(f"folio: error: {exc.render()}")
    return True


def serve(project: Project, *, host: str, port: int, jobs: int) -> int:
    """Until Ctrl-C (exit code 0), or until mkdocs serve stops by itself (1)."""
    # Pages rendered for the preview tell the author what to fix (see render.marks).
    os.environ["FOLIO_PREVIEW"] = "1"
    say("folio: first build (execution is cached; only changed posts run)")
    while not rebuild(project, jobs):
        time.sleep(1.0)
    # mkdocs serve refuses a --watch folder that does not exist (a blog with no figure yet).
    project.figures_dir.mkdir(exist_ok=True)
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.setdefault("SOURCE_DATE_EPOCH", DEFAULT_EPOCH)
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--livereload", "-a", f"{host}:{port}",
         "-f", str(project.root / "mkdocs.yml"), "-w", str(project.figures_dir)],
        cwd=project.root, env=env)
    changes = _Changes(project)
    observer = Observer()
    for d in (project.posts_dir, project.kernels_dir):
        if d.is_dir():
            observer.schedule(changes, str(d), recursive=True)
    observer.start()
    say(f"folio: serving {site_url(project, host, port)} ; edit posts/ and the page reloads (Ctrl-C stops)")
    try:
        while server.poll() is None:
            time.sleep(0.1)
            batch = changes.take()
            if batch is None:
                continue
            t0 = time.perf_counter()
            if not rebuild(project, jobs, batch):
                changes.put_back(batch)
                time.sleep(1.0)
                continue
            say(f"folio: rebuilt {', '.join(batch) or 'all posts'} in {time.perf_counter() - t0:.2f} s")
    except KeyboardInterrupt:
        return 0
    else:
        say(f"folio: error: mkdocs serve stopped (exit code {server.returncode}); its message "
            "is above")
        return 1
    finally:
        observer.stop()
        server.terminate()
        server.wait(timeout=10)
