"""Skip rendering a post whose inputs are what they were at the last build.

Rendering all eleven posts (Markdown, equation marks, companion notebooks) was half of a no-op
build. A post's page, notebook and figure files depend only on its folder (prose and modules),
its execution result, its series and folio's own code; the digest of those is kept per post in
``build/render.json`` with the files it wrote. A hit reuses the files, provided they are all still
on disk as written (size and modification time); anything else renders as before.

Preview pages (``folio serve``) and published pages have entries of their own: a post whose
preview page has the same bytes as its published one (nothing for the author to fix) leaves its
files untouched when the build switches from one to the other, so each entry still holds, and
going from ``folio serve`` to ``folio build`` and back renders nothing again (at 500 posts each
switch re-rendered every post, ~10 s).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..execute.cachekey import post_files
from ..execute.result import ExecutionResult
from ..filehash import file_hashes
from ..post import Post

_FOLIO = Path(__file__).resolve().parent.parent


def folio_code() -> str:
    """Every module of folio: a change to any of them renders every post again."""
    h = hashlib.sha256()
    for p in sorted(_FOLIO.rglob("*.py")):
        h.update(p.relative_to(_FOLIO).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    # Preview pages (folio serve) carry author instructions the published ones do not.
    h.update(os.environ.get("FOLIO_PREVIEW", "").encode())
    return h.hexdigest()


def render_key(post: Post, result: ExecutionResult, series, code: str, root: Path) -> str:
    """Digest of what the post's rendered files are made from: its folder, the files its
    equation marks quote (a counterpart may live in kernels/), its outputs, checks and series."""
    h = hashlib.sha256(code.encode())
    quoted = {e["counterpart_where"].rpartition(":")[0]
              for e in (result.checks or {}).get("equations", []) if e.get("counterpart_where")}
    hashes = file_hashes(root / "build")
    for p in [post.path, *post_files(post), *sorted(root / q for q in quoted)]:
        try:
            h.update(str(p).encode() + b"\0" + hashes.digest(p) + b"\0")
        except OSError:
            h.update(str(p).encode() + b"\0missing\0")
    outputs = [[c.number, c.outputs, c.frozen, c.pending] for c in result.cells]
    h.update(json.dumps([result.device, result.checks, outputs, repr(series)],
                        sort_keys=True, default=repr).encode())
    return h.hexdigest()


def _entry(slug: str) -> str:
    """The memo's name for the post's entry in this variant (published or preview)."""
    return f"{slug}\0preview" if os.environ.get("FOLIO_PREVIEW") == "1" else slug


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


class RenderMemo:
    def __init__(self, path: Path, root: Path):
        self.path, self.root = path, root
        try:
            self.old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.old = {}
        self.new: dict[str, dict] = {}

    def files(self, slug: str, key: str) -> list[Path] | None:
        """The files rendered last time from these inputs, or None: render again."""
        entry = self.old.get(_entry(slug))
        if not entry or entry.get("key") != key:
            return None
        if any(_stat(self.root / f) != st for f, st in entry["files"].items()):
            return None
        self.new[_entry(slug)] = entry
        return [self.root / f for f in entry["files"]]

    def put(self, slug: str, key: str, files: list[Path]) -> None:
        self.new[_entry(slug)] = {"key": key, "files": {
            f.relative_to(self.root).as_posix(): _stat(f) for f in files}}

    def save(self) -> None:
        """Posts not rendered this time (--only, failures) keep their entries."""
        data = {**self.old, **self.new}
        if data == self.old and self.path.is_file():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        # Not sorted: each post's files keep their order (page, notebook, figures). Not
        # indented: json's C encoder writes compact JSON only, 10 times faster at 500 posts.
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, self.path)
