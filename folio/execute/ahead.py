"""A kernel started ahead of need: a code edit's build should cost the post's execution, not the
kernel's start (0.7 s here) as well.

``WarmKernel`` starts an ipykernel, on another thread, with the environment every post's kernel
gets (see execute.env) but no post's own part; the first post that executes takes it, and its
first cell (``setup_source``) gives the kernel what a kernel started for that post would have had
from the start: the post's folder as working directory and first on ``sys.path``,
``PYTHONPATH`` and ``FOLIO_SLUG``. A kernel nobody took is shut down with the build.

``folio build`` starts one when an edit is likely to run code (``likely_to_run``: a post's code
cells or modules, or kernels/, changed since the last build; a prose edit starts none, nor does
a first build), and
``folio serve`` keeps one ready between edits.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
from pathlib import Path

from ..blocks import scan
from ..config import Project
from ..errors import FolioError
from ..render.files import write_atomic
from .env import _FOLIO_PARENT, kernel_env

RECORD = "code-digests.json"


def setup_source(post_dir: Path, root: Path, slug: str, gpu: bool) -> str:
    """The first cell run in a kernel started ahead: what ``kernel_env`` and the post's working
    directory would have given it at start."""
    post = str(Path(post_dir).resolve())
    env = kernel_env(post_dir, root, slug, gpu)
    return (f"import os as _o, sys as _s\n_o.chdir({post!r})\n_s.path.insert(0, {post!r})\n"
            f"_o.environ.update({{'PYTHONPATH': {env['PYTHONPATH']!r}, "
            f"'FOLIO_SLUG': {slug!r}}})\ndel _o, _s")


class WarmKernel:
    """One kernel, started on a thread now, for the first post that executes."""

    def __init__(self, root: Path, gpu: bool):
        from .kernel import _kernel_manager_class

        self.root, self.gpu = Path(root).resolve(), gpu
        self.km = None
        self.taken = False
        self._lock = threading.Lock()
        # jupyter_client is imported here, on the caller's thread: imported on two threads at
        # once, a module can be seen half-initialised ("circular import").
        self._manager = _kernel_manager_class()
        self._thread = threading.Thread(target=self._start, daemon=True)
        self._thread.start()

    def _start(self) -> None:
        import asyncio

        env = kernel_env(self.root, self.root, "", self.gpu)
        env.pop("FOLIO_SLUG")  # the post's part, set by its setup cell
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(self.root), str(_FOLIO_PARENT)]))
        km = self._manager(kernel_name="python3")
        try:
            asyncio.run(km.start_kernel(env=env, cwd=str(self.root), stderr=subprocess.DEVNULL))
        except Exception:  # noqa: BLE001 - no warm kernel: the post starts its own
            return
        self.km = km

    def take(self, gpu: bool):
        """The started kernel's manager, once; None when it did not start or was started for
        another device (the caller starts its own)."""
        self._thread.join()
        with self._lock:
            if self.taken or self.km is None or gpu != self.gpu:
                return None
            self.taken = True
            return self.km

    def close(self) -> None:
        """Shut the kernel down unless a post took it."""
        import asyncio

        self._thread.join()
        with self._lock:
            if self.taken or self.km is None:
                return
            self.taken = True
        try:
            asyncio.run(self.km.shutdown_kernel(now=True))
        except Exception:  # noqa: BLE001 - the process is gone either way
            pass


def _code_digest(post_dir: Path) -> str:
    """The post's code: its code cells' text and its modules' bytes (not its prose)."""
    h = hashlib.sha256()
    index = post_dir / "index.md"
    try:
        text = index.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    try:  # the post's own parser: what it calls a code cell is what runs
        cells = [b.text for b in scan(text, 1, index) if b.kind == "code-cell"]
    except FolioError:  # a post that does not parse: count all of it (the build says why)
        cells = [text]
    for cell in cells:
        h.update(cell.encode() + b"\0")
    for p in sorted(post_dir.glob("*.py")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _kernels_stamp(project: Project) -> str:
    h = hashlib.sha256()
    for top, dirs, names in os.walk(project.kernels_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in sorted(names):
            st = os.stat(os.path.join(top, n))
            h.update(f"{top}/{n}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _stat(post_dir: Path) -> list:
    """Name, size and time of the post's index.md and modules (strings: 500 globs were 50 ms)."""
    folder = str(post_dir)
    try:
        names = sorted(n for n in os.listdir(folder) if n == "index.md" or n.endswith(".py"))
    except OSError:
        return []
    out = []
    for n in names:
        try:
            st = os.stat(os.path.join(folder, n))
        except OSError:
            continue
        out.append([n, st.st_size, st.st_mtime_ns])
    return out


def _posts(project: Project) -> dict[str, Path]:
    return {p.parent.name: p.parent for p in project.post_paths()}


def likely_to_run(project: Project) -> bool:
    """Whether some post's code (its code cells, its modules) or kernels/ changed since the
    last build recorded them: only files whose size or time changed are read. A post with no
    code never counts: a blog of prose starts no kernel."""
    try:
        old = json.loads((project.build_dir / RECORD).read_text())
    except (OSError, ValueError):
        # Never recorded: a first build, or a checkout with a cache restored or merged from
        # elsewhere, where every post may be cached. Its time is not a kernel's start.
        return False
    if old.get("kernels") != _kernels_stamp(project):
        return has_code(project)
    posts = old.get("posts", {})
    for slug, folder in _posts(project).items():
        was = posts.get(slug)
        if was is not None and was[0] == _stat(folder):
            continue
        digest = _code_digest(folder)
        if digest != _EMPTY and (was is None or was[1] != digest):
            return True
    return False


def record_code(project: Project) -> None:
    """After a build: each post's code digest, for the next build's ``likely_to_run``."""
    try:
        old = json.loads((project.build_dir / RECORD).read_text()).get("posts", {})
    except (OSError, ValueError, AttributeError):
        old = {}
    posts = {}
    for slug, folder in _posts(project).items():
        stat, was = _stat(folder), old.get(slug)
        posts[slug] = [stat, was[1] if was and was[0] == stat else _code_digest(folder)]
    write_atomic(project.build_dir / RECORD,
                 json.dumps({"kernels": _kernels_stamp(project), "posts": posts}))


def start_ahead(project: Project) -> WarmKernel | None:
    """A kernel for ``folio build``, when an edit is likely to run code (the device guessed from
    ``nvidia-smi`` being there; a wrong guess is a kernel nobody takes)."""
    import shutil

    if not likely_to_run(project):
        return None
    return WarmKernel(project.root, gpu=shutil.which("nvidia-smi") is not None)


def has_code(project: Project) -> bool:
    """Whether any post has code to run (``folio serve`` keeps a kernel ready only then)."""
    return any(_code_digest(folder) != _EMPTY for folder in _posts(project).values())


_EMPTY = hashlib.sha256().hexdigest()
