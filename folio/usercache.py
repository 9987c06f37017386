"""The user's cache folder for folio (``XDG_CACHE_HOME/folio``, else ``~/.cache/folio``): what
outlives a project's build/ because another checkout or a fresh test project can reuse it."""

from __future__ import annotations

import os
from pathlib import Path

from .render.files import write_atomic


def user_cache(name: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "folio" / name


def keep(path: Path, data: bytes, most: int) -> None:
    """``data`` as ``path``, and only the ``most`` newest files of its kind (suffix) beside it:
    a cache folder cannot grow. One that cannot be written is skipped (it is only a cache)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if same:
            os.utime(path)  # the newest again
        else:
            write_atomic(path, data)
        old = sorted(path.parent.glob(f"*{path.suffix}"), key=lambda p: p.stat().st_mtime_ns,
                     reverse=True)
        for stale in old[most:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass
