"""Stamps of files by name, size and modification time (what make trusts): one look at a tree,
no reading."""

from __future__ import annotations

import os
from pathlib import Path


def walk(h, folder: Path, skip: tuple[str, ...] = ()) -> None:
    """Name, size and modification time of every file under ``folder`` except ``skip``
    (paths relative to it) and __pycache__ folders into ``h``."""
    stamp_listing(h, listing(folder, skip))


def files(h, paths) -> None:
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            h.update(f"{p}\0missing\n".encode())
            continue
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())


def listing(folder: Path, skip: tuple[str, ...] = ()) -> list[tuple[str, int, int, bool]]:
    """Every file under ``folder`` except ``skip`` (paths relative to it) as (path, size,
    modification time, under a __pycache__ folder), folders and names sorted: one look at a
    tree for both a stamp and a digest of its files (see site.build.site_state)."""
    out: list[tuple[str, int, int, bool]] = []

    def visit(top: str, rel: str, cached: bool) -> None:
        try:
            entries = sorted(os.scandir(top), key=lambda e: e.name)
        except OSError:
            return
        dirs = []
        for e in entries:
            if skip and os.path.normpath(os.path.join(rel, e.name)) in skip:
                continue
            try:
                if e.is_dir():  # as os.walk: a link to a folder is not followed, nor listed
                    if not e.is_symlink():
                        dirs.append(e)
                    continue
                st = e.stat()
            except OSError:
                continue
            out.append((e.path, st.st_size, st.st_mtime_ns, cached))
        for d in dirs:
            visit(d.path, os.path.join(rel, d.name), cached or d.name == "__pycache__")

    visit(os.fspath(folder), "", False)
    return out


def stamp_listing(h, entries) -> None:
    """The stamp of a ``listing`` (its files outside __pycache__ folders) into ``h``."""
    for path, size, mtime, cached in entries:
        if not cached:
            h.update(f"{path}\0{size}\0{mtime}\n".encode())
