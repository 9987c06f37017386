"""Write generated files only when their bytes change, so live preview and mkdocs stay quiet."""

from __future__ import annotations

import os
from pathlib import Path


def write_if_changed(path: Path, data: bytes | str) -> bool:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path = Path(path)
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def remove_stale(directory: Path, keep: set[Path], pattern: str = "*") -> list[Path]:
    """Delete generated files that no current post produced (a renamed figure, a removed post)."""
    removed = []
    if directory.is_dir():
        for p in directory.rglob(pattern):
            if p.is_file() and p not in keep and "frozen" not in p.parts:
                p.unlink()
                removed.append(p)
    return removed
