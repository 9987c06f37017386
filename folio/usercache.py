"""The user's cache folder for folio (``XDG_CACHE_HOME/folio``, else ``~/.cache/folio``): what
outlives a project's build/ because another checkout or a fresh test project can reuse it."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache(name: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "folio" / name
