"""GPU results and profiling runs, frozen with the device they came from.

Where CUDA is present, a ``gpu`` cell's outputs (and, on any machine, a ``profile`` cell's) are
written to
``figures/<slug>/frozen/cell-<hash>.json`` with a provenance record. Elsewhere, a cell whose source
hash (the cell, the post's modules, the kernels it imports) matches a frozen file gets those
outputs back; otherwise its results are pending, which is a warning (an error under --strict).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..post import Cell
from ..render.files import write_atomic


def source_hash(cell: Cell, dependency_hashes: dict) -> str:
    data = json.dumps({"source": cell.source, "deps": dependency_hashes}, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Frozen:
    outputs: list
    provenance: dict  # device, driver, cuda, torch, triton, date, source_hash


class FrozenStore:
    def __init__(self, figures_dir: Path, slug: str):
        self.dir = Path(figures_dir) / slug / "frozen"

    def _path(self, h: str) -> Path:
        return self.dir / f"cell-{h}.json"

    def load(self, h: str) -> Frozen | None:
        p = self._path(h)
        if not p.is_file():
            return None
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
            return Frozen(data["outputs"], data["provenance"])
        except (ValueError, KeyError, TypeError):
            return None

    def save(self, h: str, cell: Cell, outputs: list, provenance: dict) -> None:
        record = {"provenance": {**provenance, "source_hash": h,
                                 "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")},
                  "cell_source": cell.source, "outputs": outputs}
        # Atomic: a build killed mid-write must not leave half a measurement that looks whole.
        write_atomic(self._path(h), json.dumps(record, indent=1, sort_keys=True))

    def prune(self, keep: set[str]) -> None:
        """Drop frozen results of cells that no longer exist (called after a GPU run)."""
        for p in self.dir.glob("cell-*.json"):
            if p.stem.removeprefix("cell-") not in keep:
                p.unlink()
