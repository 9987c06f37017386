"""The execution cache key, written down in one place.

A post's executed outputs depend on: its code cells (source and the tags that change what runs),
every other file in its folder (its modules and data), the ``kernels/`` modules those import
(transitively), the locked dependency versions, folio's own code that runs inside the kernel, and
whether a GPU is present, and what the kernel's closing checks are given: the post's slug and its
displayed equation labels. Other prose, markdown cells and display-only front matter are not in
the key, so a prose edit re-renders without starting a kernel.
"""

from __future__ import annotations

import ast
import hashlib
import json
import threading
from pathlib import Path

from .post import Post

SCHEMA = "folio-exec-3"
_PARSE_LOCK = threading.Lock()
# Tags that change what executes; display tags (hide-input, ...) are not in the key.
EXECUTION_TAGS = {"gpu", "cpu", "skip-execution"}
# folio code that runs inside the kernel: its changes change outputs.
_FOLIO = Path(__file__).resolve().parent
KERNEL_SIDE = ("runtime", "verify", "equations.py", "kernel_tail.py", "post.py")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files(paths) -> dict[str, str]:
    return {str(p): _sha(p.read_bytes()) for p in paths}


def post_files(post: Post) -> list[Path]:
    """Everything in the post's folder but the prose, caches and editor droppings."""
    out = []
    for p in sorted(post.dir.rglob("*")):
        rel = p.relative_to(post.dir)
        if not p.is_file() or rel.name == "index.md":
            continue
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if p.suffix in (".pyc", ".ipynb"):
            continue
        out.append(p)
    return out


def imported_modules(source: str) -> set[str]:
    """Absolute module names a piece of Python source imports. Unparsable source imports nothing
    we can see (the kernel will report the syntax error)."""
    # IPython magics and shell escapes are not Python; blank them so the rest still parses.
    lines = ["" if l.lstrip().startswith(("%", "!")) else l for l in source.splitlines()]
    try:
        # Hack: CPython 3.11's parser keeps its recursion depth in shared state, and concurrent
        # ast.parse calls from the executor threads fail with "AST constructor recursion depth
        # mismatch". One parse at a time.
        with _PARSE_LOCK:
            tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def kernel_modules(sources: list[str], kernels_dir: Path) -> list[Path]:
    """The files under ``kernels/`` reachable by imports from ``sources``, transitively."""
    if not kernels_dir.is_dir():
        return []
    package = kernels_dir.name
    found: set[Path] = set()
    todo = list(sources)
    while todo:
        source = todo.pop()
        if package not in source:  # cannot import it: no need to parse
            continue
        for name in imported_modules(source):
            parts = name.split(".")
            if parts[0] != package:
                continue
            for i in range(1, len(parts) + 1):
                base = kernels_dir.joinpath(*parts[1:i])
                for candidate in (base / "__init__.py", base.with_suffix(".py")):
                    if candidate.is_file() and candidate not in found:
                        found.add(candidate)
                        todo.append(candidate.read_text(encoding="utf-8"))
    return sorted(found)


def folio_kernel_files() -> list[Path]:
    out = []
    for name in KERNEL_SIDE:
        p = _FOLIO / name
        out.extend(sorted(p.rglob("*.py")) if p.is_dir() else [p])
    return out


def key_parts(post: Post, *, root: Path, lock_file: Path, gpu: bool) -> dict:
    """Everything the key is made of, as readable data (hashed by ``cache_key``)."""
    cells = [{"source": c.source, "tags": sorted(set(c.tags) & EXECUTION_TAGS)}
             for c in post.code_cells]
    own = post_files(post)
    sources = [c.source for c in post.code_cells]
    sources += [p.read_text(encoding="utf-8") for p in own if p.suffix == ".py"]
    rel = lambda p: str(p.relative_to(root))  # noqa: E731 - keys must not depend on the checkout path
    return {
        "schema": SCHEMA,
        "requires": post.meta.requires,
        # The kernel's last cell checks the displayed labels and reports under the slug: both
        # change its outputs (two posts with the same code must not share an entry).
        "slug": post.slug,
        "labels": [e.label for e in post.equations],
        "gpu": gpu,
        "cells": cells,
        "post_files": {rel(p): h for p, h in zip(own, _files(own).values())},
        "kernels": {rel(p): _sha(p.read_bytes()) for p in kernel_modules(sources, root / "kernels")},
        "lock": _sha(lock_file.read_bytes()) if lock_file.is_file() else None,
        "folio": _sha("".join(_files(folio_kernel_files()).values()).encode()),
    }


def key_of(parts: dict) -> str:
    return _sha(json.dumps(parts, sort_keys=True).encode())[:32]


def cache_key(post: Post, *, root: Path, lock_file: Path, gpu: bool) -> str:
    return key_of(key_parts(post, root=root, lock_file=lock_file, gpu=gpu))
