"""Where things live in a folio project, declared once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

# Defaults the command line, the build options and the kernels share.
DEFAULT_JOBS = os.cpu_count() or 1  # posts executed (or analysed) at once
CELL_TIMEOUT = 600  # seconds allowed per cell


@dataclass(frozen=True)
class PostFolder:
    """posts/<slug>/ as one look at it found it: its index.md, the names in the folder, and
    index.md's size and modification time."""
    index: Path
    names: tuple[str, ...]
    stat: tuple[int, int]


@dataclass(frozen=True)
class Project:
    """The project at ``root``; its folders are computed once (a build asks for them thousands
    of times at 500 posts)."""

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
    @cached_property
    def posts_dir(self) -> Path: return self.root / "posts"
    @cached_property
    def kernels_dir(self) -> Path: return self.root / "kernels"
    @cached_property
    def figures_dir(self) -> Path: return self.root / "figures"
    @cached_property
    def docs_dir(self) -> Path: return self.root / "site_src"
    @cached_property
    def lock_file(self) -> Path: return self.root / "requirements.lock"
    @cached_property
    def authors_file(self) -> Path: return self.docs_dir / "blog" / ".authors.yml"

    # Generated inside docs_dir (gitignored)
    @cached_property
    def generated_posts(self) -> Path: return self.docs_dir / "blog" / "posts"
    @cached_property
    def generated_series(self) -> Path: return self.docs_dir / "series"
    @cached_property
    def generated_notebooks(self) -> Path: return self.docs_dir / "notebooks"
    @cached_property
    def report_page(self) -> Path: return self.docs_dir / "report.md"

    # Build outputs (gitignored)
    @cached_property
    def build_dir(self) -> Path: return self.root / "build"
    @cached_property
    def cache_dir(self) -> Path: return self.build_dir / "cache"
    @cached_property
    def site_dir(self) -> Path: return self.build_dir / "site"
    @cached_property
    def report_file(self) -> Path: return self.build_dir / "report.json"

    def post_paths(self) -> list[Path]:
        """Every posts/<slug>/index.md, by slug."""
        return [folder.index for folder in self.post_folders()]

    def post_folders(self) -> list[PostFolder]:
        """Every posts/<slug>/ with an index.md, by slug: one look at each folder (as strings
        first: at 500 posts, a glob's Path objects cost 25 ms a call)."""
        posts = str(self.posts_dir)
        try:
            slugs = sorted(os.listdir(posts))
        except (FileNotFoundError, NotADirectoryError):
            return []
        out = []
        for s in slugs:
            try:
                with os.scandir(os.path.join(posts, s)) as it:
                    entries = {e.name: e for e in it}
                index = entries.get("index.md")
                st = index.stat() if index is not None and index.is_file() else None
            except OSError:  # not a folder, or gone since the listing
                continue
            if st is not None:
                out.append(PostFolder(self.posts_dir / s / "index.md",
                                      tuple(sorted(entries)), (st.st_size, st.st_mtime_ns)))
        return out

    def known_authors(self) -> set[str] | None:
        """The author ids in site_src/blog/.authors.yml (None without the file). A malformed
        file is a PostError naming it and the line."""
        if not self.authors_file.is_file():
            return None
        from .errors import PostError
        from .parse import read_text
        from .yaml_read import load_yaml

        path = self.authors_file
        data = load_yaml(read_text(path), path, 1, what="the authors file")
        hint = ("write 'authors:' and under it one entry per author: '  <id>:' with 'name:' "
                "and 'description:' indented below (see Material's blog docs)")
        if data is None:
            data = {}
        if not isinstance(data, dict) or not isinstance(data.get("authors", {}), dict):
            raise PostError("the authors file must map 'authors' to author ids", file=path,
                            line=1, hint=hint)
        authors = data.get("authors") or {}
        for k, v in authors.items():
            if not isinstance(k, str) or not isinstance(v, dict):
                raise PostError(f"author {k!r} must be a mapping with 'name:' and 'description:'",
                                file=path, line=_key_line(path, k), hint=hint)
        return set(authors)


def _key_line(path: Path, key) -> int | None:
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if line.strip().startswith(f"{key}:"):
            return n
    return None
