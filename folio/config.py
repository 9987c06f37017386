"""Where things live in a folio project, declared once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import yaml_fast


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> "Project":
        """The nearest folder at or above ``start`` holding ``mkdocs.yml`` and ``posts/``."""
        here = Path(start or os.getcwd()).resolve()
        for d in (here, *here.parents):
            if (d / "mkdocs.yml").is_file() and (d / "posts").is_dir():
                return cls(d)
        from .errors import FolioError
        raise FolioError(f"no folio project at or above {here}",
                         hint="run folio inside a folder with mkdocs.yml and posts/")

    # Sources
    @property
    def posts_dir(self) -> Path: return self.root / "posts"
    @property
    def kernels_dir(self) -> Path: return self.root / "kernels"
    @property
    def figures_dir(self) -> Path: return self.root / "figures"
    @property
    def docs_dir(self) -> Path: return self.root / "site_src"
    @property
    def lock_file(self) -> Path: return self.root / "requirements.lock"
    @property
    def authors_file(self) -> Path: return self.docs_dir / "blog" / ".authors.yml"

    # Generated inside docs_dir (gitignored)
    @property
    def generated_posts(self) -> Path: return self.docs_dir / "blog" / "posts"
    @property
    def generated_series(self) -> Path: return self.docs_dir / "series"
    @property
    def generated_notebooks(self) -> Path: return self.docs_dir / "notebooks"
    @property
    def report_page(self) -> Path: return self.docs_dir / "report.md"

    # Build outputs (gitignored)
    @property
    def build_dir(self) -> Path: return self.root / "build"
    @property
    def cache_dir(self) -> Path: return self.build_dir / "cache"
    @property
    def site_dir(self) -> Path: return self.build_dir / "site"
    @property
    def report_file(self) -> Path: return self.build_dir / "report.json"

    def post_paths(self) -> list[Path]:
        return sorted(self.posts_dir.glob("*/index.md"))

    def known_authors(self) -> set[str] | None:
        if not self.authors_file.is_file():
            return None
        data = yaml_fast.safe_load(self.authors_file.read_text(encoding="utf-8")) or {}
        return set((data.get("authors") or {}).keys())
