"""Stamps of files by name, size and modification time (what make trusts): one look at a tree,
no reading."""

from __future__ import annotations

import os
from pathlib import Path


def walk(h, folder: Path, skip: tuple[str, ...] = ()) -> None:
    """Name, size and modification time of every file under ``folder`` except ``skip``
    (paths relative to it) into ``h``."""
    for top, dirs, names in os.walk(folder):
        if skip:
            rel = os.path.relpath(top, folder)
            dirs[:] = [d for d in dirs if os.path.normpath(os.path.join(rel, d)) not in skip]
            names = [n for n in names if os.path.normpath(os.path.join(rel, n)) not in skip]
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = os.path.join(top, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())


def files(h, paths) -> None:
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            h.update(f"{p}\0missing\n".encode())
            continue
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
