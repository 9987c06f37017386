"""The execution cache key, written down in one place.

A post's executed outputs and its equation checks depend on: its code cells (source and the tags
that change what runs), its slug and the labels of its displayed equations (the checks run for
exactly those), every other file in its folder (its modules and data), the ``kernels/`` modules
those import (transitively, relative imports too) and every non-Python file under ``kernels/``
(data a kernel module may read), the locked dependency versions, the interpreter the kernel runs
in (path and version), the environment the kernel is given (held fixed, see
``execute.env``), folio's own code that runs inside the kernel (found by following its
imports), and whether a GPU is present. Prose, markdown cells and display-only front matter
are not in the key, so a prose edit re-renders without starting a kernel.

Paths in the key are relative to the project root: a checkout elsewhere has the same keys.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
import json
import sys
import threading
from pathlib import Path

from .env import keyed
from ..post import Post

SCHEMA = "folio-exec-5"
_PARSE_LOCK = threading.Lock()
# Tags that change what executes; display tags (hide-input, ...) are not in the key. A profile
# cell runs only while it has no frozen measurement.
EXECUTION_TAGS = {"gpu", "cpu", "skip-execution", "profile"}
_FOLIO = Path(__file__).resolve().parent.parent
# Where the kernel enters folio: ``from folio import ...`` in a cell, and the tail cell.
KERNEL_ENTRIES = ("__init__.py", "execute/kernel_tail.py")
_IGNORED = ("__pycache__",)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files(paths) -> dict[str, str]:
    return {str(p): _sha(p.read_bytes()) for p in paths}


def _skipped(rel: Path) -> bool:
    return any(part.startswith(".") or part in _IGNORED for part in rel.parts)


def post_files(post: Post) -> list[Path]:
    """Everything in the post's folder but the prose, caches and editor droppings."""
    out = []
    for top, dirs, files in os.walk(post.dir):  # os.walk: rglob was 0.15 s a no-op at 500 posts
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _IGNORED)
        for name in files:
            p = Path(top, name)
            if (top == str(post.dir) and name == "index.md") or name.startswith(".") \
                    or p.suffix in (".pyc", ".ipynb"):
                continue
            out.append(p)
    return sorted(out)


def _parse(source: str):
    # IPython magics and shell escapes are not Python; blank them so the rest still parses.
    lines = ["" if l.lstrip().startswith(("%", "!")) else l for l in source.splitlines()]
    try:
        # Hack: CPython 3.11's parser keeps its recursion depth in shared state, and concurrent
        # ast.parse calls from the executor threads fail with "AST constructor recursion depth
        # mismatch". One parse at a time.
        with _PARSE_LOCK:
            return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return None


def imported_modules(source: str, package: tuple[str, ...] | None = None) -> set[str]:
    """Absolute module names a piece of Python source imports. ``package``: the dotted parts of
    the package the source belongs to, to resolve relative imports (``from .x import y``); None
    for code outside any package (a cell), where they resolve to nothing. Unparsable source
    imports nothing we can see (the kernel will report the syntax error)."""
    return set(_imported(source, package))


@functools.lru_cache(maxsize=4096)
def _imported(source: str, package: tuple[str, ...] | None) -> frozenset[str]:
    """(Memoized: every post's key follows folio's and kernels/' imports again, 0.1 s a post.)"""
    tree = _parse(source)
    if tree is None:
        return frozenset()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module
            elif package is None or node.level > len(package):
                continue
            else:
                parts = package[:len(package) - (node.level - 1)]
                base = ".".join(parts + ((node.module,) if node.module else ()))
            if not base:
                continue
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names if a.name != "*")
    return frozenset(names)


def _package_of(path: Path, package_dir: Path) -> tuple[str, ...]:
    """The dotted parts of the package a file under ``package_dir`` belongs to."""
    rel = path.relative_to(package_dir.parent)
    return tuple(rel.parent.parts)


def package_closure(sources: list[str], package_dir: Path) -> list[Path]:
    """The files of the package at ``package_dir`` reachable by imports from ``sources``
    (code outside the package), transitively, with each package ``__init__`` on the way."""
    if not package_dir.is_dir():
        return []
    package = package_dir.name
    found: set[Path] = set()
    todo: list[tuple[str, tuple[str, ...] | None]] = [(s, None) for s in sources]
    while todo:
        source, inside = todo.pop()
        if inside is None and package not in source:  # cannot import it: no need to parse
            continue
        for name in imported_modules(source, inside):
            parts = name.split(".")
            if parts[0] != package:
                continue
            for i in range(1, len(parts) + 1):
                base = package_dir.joinpath(*parts[1:i])
                for candidate in (base / "__init__.py", base.with_suffix(".py")):
                    if candidate.is_file() and candidate not in found:
                        found.add(candidate)
                        todo.append((candidate.read_text(encoding="utf-8"),
                                     _package_of(candidate, package_dir)))
    return sorted(found)


def kernel_modules(sources: list[str], kernels_dir: Path) -> list[Path]:
    """The files under ``kernels/`` reachable by imports from ``sources``, transitively."""
    return package_closure(sources, kernels_dir)


def kernel_data(kernels_dir: Path) -> list[Path]:
    """Every file under ``kernels/`` that is not Python source: a module may read any of them."""
    if not kernels_dir.is_dir():
        return []
    return [p for p in sorted(kernels_dir.rglob("*"))
            if p.is_file() and p.suffix not in (".py", ".pyc")
            and not _skipped(p.relative_to(kernels_dir))]


@functools.lru_cache(maxsize=1)
def folio_kernel_files() -> tuple[Path, ...]:
    """folio's modules that run inside a post's kernel: its entry points and what they import.
    (Once per process: this process runs the folio it has, so which of its files a kernel
    imports does not change under it; their bytes are digested on every key. Following the
    imports for each post's key was 0.2 s of a code edit's build.)"""
    entries = [_FOLIO / name for name in KERNEL_ENTRIES]
    found = set(entries) | set(package_closure(
        [f"import {_FOLIO.name}." + ".".join(p.relative_to(_FOLIO).with_suffix("").parts)
         for p in entries], _FOLIO))
    return tuple(sorted(found))


def interpreter(root: Path) -> dict:
    """The interpreter every kernel runs in (see ``execute.env.kernel_argv``): its environment
    (``sys.prefix``: a ``.venv`` inside the project by its path relative to the root), version
    and implementation. Not the executable's name: ``.venv/bin/python`` and ``python3`` are the
    same interpreter, and the ``folio`` script runs one while ``python -m folio`` runs the
    other (keyed by name, each found the other's cache empty)."""
    env = Path(sys.prefix)
    try:
        where = env.relative_to(root).as_posix()
    except ValueError:
        where = str(env)
    return {"prefix": where, "version": sys.version, "implementation": sys.implementation.name}


def key_parts(post: Post, *, root: Path, lock_file: Path, gpu: bool) -> dict:
    """Everything the key is made of, as readable data (hashed by ``cache_key``)."""
    cells = [{"source": c.source, "tags": sorted(set(c.tags) & EXECUTION_TAGS)}
             for c in post.code_cells]
    own = post_files(post)
    sources = [c.source for c in post.code_cells]
    sources += [p.read_text(encoding="utf-8") for p in own if p.suffix == ".py"]
    rel = lambda p: p.relative_to(root).as_posix()  # noqa: E731 - keys must not depend on the checkout path
    kernels = kernel_modules(sources, root / "kernels")
    return {
        "schema": SCHEMA,
        "slug": post.slug,
        "labels": [e.label for e in post.equations],
        "requires": post.meta.requires,
        "gpu": gpu,
        "cells": cells,
        "post_files": {rel(p): h for p, h in zip(own, _files(own).values())},
        "kernels": {rel(p): _sha(p.read_bytes())
                    for p in kernels + (kernel_data(root / "kernels") if kernels else [])},
        "lock": _sha(lock_file.read_bytes()) if lock_file.is_file() else None,
        "python": interpreter(root),
        "env": keyed(gpu),
        "folio": _sha("".join(_files(folio_kernel_files()).values()).encode()),
    }


def key_of(parts: dict) -> str:
    return _sha(json.dumps(parts, sort_keys=True).encode())[:32]


def cache_key(post: Post, *, root: Path, lock_file: Path, gpu: bool) -> str:
    return key_of(key_parts(post, root=root, lock_file=lock_file, gpu=gpu))
