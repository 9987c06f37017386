"""Digests of files' bytes, read again only when a file's size or modification time changed.

The site's input digest and the render keys covered every byte of every post, page and figure
on each build: at 500 posts, reading them all took longer than rebuilding the one page a prose
edit changes. ``FileHashes`` keeps each file's SHA-256 by its path, size and modification time
in build/file-hashes.marshal, so a build reads only the files that changed. A file modified in
the last two seconds is read every time (its time might not yet tell two writes apart, as git's
"racily clean" files), and the memo keeps only the files the build asked about.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import time
from pathlib import Path

from .render.files import write_atomic

RACY_NS = 2_000_000_000


class FileHashes:
    def __init__(self, path: Path):
        self.path = path
        try:
            old = marshal.loads(path.read_bytes())
            self.old = old if isinstance(old, dict) else {}
        except (OSError, ValueError, EOFError, TypeError):
            self.old = {}
        self.used: dict[str, tuple[int, int, bytes]] = {}
        self.now = time.time_ns()

    def digest(self, path: Path | str, stat: tuple[int, int] | None = None) -> bytes:
        """SHA-256 of the file's bytes; OSError if it cannot be read. ``stat``: its size and
        modification time, if the caller has just taken them."""
        name = os.fspath(path)
        if stat is None:
            st = os.stat(name)
            stat = st.st_size, st.st_mtime_ns
        size, mtime = stat
        was = self.used.get(name) or self.old.get(name)
        if was is not None and was[0] == size and was[1] == mtime:
            self.used[name] = was
            return was[2]
        with open(name, "rb") as f:
            sha = hashlib.sha256(f.read()).digest()
        if self.now - mtime > RACY_NS:
            self.used[name] = (size, mtime, sha)
        return sha

    def save(self) -> None:
        if self.used != self.old:
            write_atomic(self.path, marshal.dumps(self.used))


_open: dict[Path, FileHashes] = {}


def file_hashes(build_dir: Path) -> FileHashes:
    """The project's memo, one per process (saved by ``save_all`` at the end of a build)."""
    found = _open.get(build_dir)
    if found is None:
        found = _open[build_dir] = FileHashes(build_dir / "file-hashes.marshal")
    return found


def save_all() -> None:
    for memo in _open.values():
        try:
            memo.save()
        except OSError:
            pass  # a memo not written costs the next build some reading, nothing else
    _open.clear()
