"""The execution cache: one folder per key under ``build/cache/``, written atomically.

An entry holds the executed notebook and a small JSON record. A missing, partial or corrupt
entry is a miss (logged), never a crash; entries are only ever added whole (written in a
temporary folder, then renamed into place), so a build killed half-way leaves every finished
post cached for the next one. An entry, once there, is never replaced: its key names everything
it was made from, so a second writer of the same key (another build) has nothing to add.
Nothing is removed by a build but the temporary folders of writes that never finished (builds
hold ``build/.lock``, so no other build is writing one); ``folio cache prune`` drops the entries
no current post would use (see ``Cache.prune``).

What the entries record is relative to the project root (see ``execute.kernel``), so a cache
made in one checkout serves another.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path


log = logging.getLogger("folio.cache")

NOTEBOOK = "notebook.ipynb"
RECORD = "record.json"
PARTIAL = ".tmp-"


class Cache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def _dir(self, key: str) -> Path:
        return self.root / key[:2] / key

    def has(self, key: str) -> bool:
        """Whether an entry is there (a look, not a read: ``get`` may still find it corrupt)."""
        return (self._dir(key) / RECORD).is_file()

    def get(self, key: str) -> tuple[nbformat.NotebookNode, dict] | None:
        import nbformat  # not at the top: 0.15 s to import, and a no-op build needs none
        d = self._dir(key)
        if not d.is_dir():
            return None
        try:
            record = json.loads((d / RECORD).read_text(encoding="utf-8"))
            # Written (and validated) by put(): read back without validating again.
            nb = nbformat.v4.to_notebook_json(json.loads((d / NOTEBOOK).read_text(encoding="utf-8")))
            if record.get("key") != key:
                raise ValueError("record belongs to another key")
            return nb, record
        except Exception as exc:  # corrupt entry: drop it and execute again
            log.warning("cache entry %s is unreadable (%s); executing again", key, exc)
            shutil.rmtree(d, ignore_errors=True)
            return None

    def put(self, key: str, nb: nbformat.NotebookNode, record: dict) -> bool:
        """Add the entry; False (and nothing written) when it is there already."""
        import nbformat  # not at the top: 0.15 s to import, and a no-op build needs none
        final = self._dir(key)
        if final.is_dir():
            return False
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{PARTIAL}{key[:8]}-", dir=final.parent))
        try:
            (tmp / NOTEBOOK).write_text(nbformat.writes(nb), encoding="utf-8")
            (tmp / RECORD).write_text(json.dumps({**record, "key": key}, indent=1), encoding="utf-8")
            try:
                # A rename is atomic: readers see the whole entry or none of it.
                os.rename(tmp, final)
            except OSError:
                if not final.is_dir():
                    raise
                shutil.rmtree(tmp, ignore_errors=True)  # another writer got there first
                return False
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return True

    def entries(self) -> list[Path]:
        """Every entry folder, and leftovers of writes that never finished (``.tmp-*``)."""
        return sorted(d for shard in self.root.glob("??") if shard.is_dir() for d in shard.iterdir()
                      if d.is_dir())

    def remove_partial(self) -> list[Path]:
        """Remove what killed builds left half-written. Only under the build lock: outside it, a
        running build's write in progress looks the same."""
        gone = [d for d in self.entries() if d.name.startswith(PARTIAL)]
        for d in gone:
            shutil.rmtree(d, ignore_errors=True)
        return gone

    def prune(self, keep: set[str], *, dry_run: bool = False) -> tuple[list[str], int]:
        """Remove every entry whose key is not in ``keep`` (and unfinished writes); return the
        removed names and the bytes they held."""
        removed, size = [], 0
        for d in self.entries():
            if d.name in keep:
                continue
            removed.append(d.name)
            size += sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
            if not dry_run:
                shutil.rmtree(d, ignore_errors=True)
        if not dry_run:
            for shard in self.root.glob("??"):
                if shard.is_dir() and not any(shard.iterdir()):
                    shard.rmdir()
        return removed, size
