"""Write generated files only when their bytes change, so live preview and mkdocs stay quiet.

Every write goes to a temporary file of its own beside the target and is renamed over it: a
reader (mkdocs, a browser, another build) sees the old file or the new one, never part of one,
and two writers of the same file do not share a temporary name.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

# What write_atomic's temporary files are called (mkstemp adds 8 characters), and the memos'
# (name.tmp<pid>).
PARTIAL = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$|\.tmp\d+$")

def write_atomic(path: Path, data: bytes | str) -> None:
    """``data`` to ``path`` through a uniquely named temporary file and a rename."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A leading dot and the .tmp suffix: ignored by folio serve's watcher and by mkdocs.
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; generated files are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: bytes | str) -> bool:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path = Path(path)
    if path.is_file() and path.read_bytes() == data:
        return False
    write_atomic(path, data)
    return True


def remove_partial_writes(candidates) -> list[Path]:
    """Delete, among ``candidates``, the temporary files of writes that never finished (a
    killed build's). Only under the build lock: outside it, another build's write in progress
    looks the same."""
    removed = []
    for name in candidates:
        if PARTIAL.search(os.path.basename(name)) and os.path.isfile(name):
            p = Path(name)
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def remove_stale(directory: Path, keep: set[Path], pattern: str = "*") -> list[Path]:
    """Delete generated files that no current post produced (a renamed figure, a removed post)."""
    removed = []
    if directory.is_dir():
        for p in directory.rglob(pattern):
            if p.is_file() and p not in keep and "frozen" not in p.parts:
                p.unlink()
                removed.append(p)
    return removed
