"""The Post record and its parts: plain, immutable data passed from parsing to every later stage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FrontMatter:
    title: str
    date: dt.datetime
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    description: str
    requires: str = "cpu"  # "cpu" or "gpu"
    series: str | None = None
    draft: bool = False


@dataclass(frozen=True)
class Cell:
    kind: str  # "code" or "markdown"
    source: str
    line: int  # 1-based line in index.md where the cell's content starts
    tags: tuple[str, ...] = ()
    number: int = 0  # code cells: 1-based position among the post's code cells
    # markdown cells: the cell's parsed blocks (folio.blocks.Block), directive bodies included
    blocks: tuple = ()
    # code cells: the other options of the cell's header (":output-lines: 2000"), as written
    options: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_gpu(self) -> bool:
        return "gpu" in self.tags


@dataclass(frozen=True)
class Equation:
    label: str
    tex: str
    line: int
    number: int  # display number on the page, in order of appearance


@dataclass(frozen=True)
class Post:
    slug: str
    path: Path  # posts/<slug>/index.md
    meta: FrontMatter
    cells: tuple[Cell, ...]
    equations: tuple[Equation, ...] = field(default=())

    @property
    def dir(self) -> Path:
        return self.path.parent

    @property
    def code_cells(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.kind == "code")

    @property
    def needs_gpu(self) -> bool:
        return self.meta.requires == "gpu" or any(c.is_gpu for c in self.code_cells)
