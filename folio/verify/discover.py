"""Import a post's own modules into a fresh registry, leaving no trace in ``sys.modules``."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from .api import Registry, use_registry, _registry


def post_modules(post_dir: Path) -> list[Path]:
    """The post's own Python modules: every ``*.py`` beside ``index.md`` (tests excluded)."""
    return sorted(p for p in post_dir.glob("*.py") if not p.name.startswith("test_"))


def collect(post_dir: Path) -> Registry:
    """Import every module of the post and return what it registered.

    Posts import their siblings by plain name (``from frobenius import ...``), so two posts may
    both have a ``checks.py``. Hack: we import with the post directory first on ``sys.path`` and
    then put ``sys.modules`` back as it was, so one post's modules never shadow another's and a
    kernel that already imported them keeps its own copies.
    """
    post_dir = Path(post_dir).resolve()
    names = [p.stem for p in post_modules(post_dir)]
    saved = {n: sys.modules.pop(n) for n in names if n in sys.modules}
    registry = Registry()
    token = use_registry(registry)
    # The post's folder first (its sibling modules), then the project root (``import kernels``),
    # as in the post's kernel.
    added = [str(post_dir), str(post_dir.parent.parent)]
    sys.path[:0] = added
    try:
        for name in names:
            importlib.import_module(name)
    finally:
        for entry in added:
            sys.path.remove(entry)
        _registry.reset(token)
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    return registry
