"""The project moved: a cache made in one checkout serves another (CI restores build/cache
made elsewhere), and the site built from it is the same bytes."""

from __future__ import annotations

import shutil

from folio.config import Project
from folio.pipeline import BuildOptions, build
from tests.conftest import make_project
from tests.test_reproducible import differing


def test_a_moved_project_builds_the_same_site_from_its_cache(tmp_path):
    first = make_project(tmp_path / "here" / "blog")
    assert build(first, BuildOptions(jobs=2)).ok
    site = shutil.copytree(first.site_dir, tmp_path / "site-built-here")
    # Moved: the old path is gone. Only the cache travels with it, as in CI: no generated
    # pages, memos or site.
    moved = Project(tmp_path / "elsewhere" / "deeper" / "blog")
    moved.root.parent.mkdir(parents=True)
    first.root.rename(moved.root)
    for name in ("blog/posts", "notebooks", "series", "report.md"):
        p = moved.docs_dir / name
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    for p in moved.build_dir.iterdir():
        if p.name != "cache":
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    r = build(moved, BuildOptions(jobs=2))
    assert r.ok, r.problems
    assert {s: x.status for s, x in r.results.items()} == {"alpha": "cached", "beta": "cached"}
    assert sum(x.kernels_started for x in r.results.values()) == 0
    page = (moved.site_dir / "blog" / "alpha" / "index.html").read_text()
    assert "Code counterpart (" in page and "def sum_of_squares" in page
    assert [d for d in differing(site, moved.site_dir) if not d.startswith("report/")] == []
    # Nothing the cache holds names the checkout it was made in.
    for f in moved.cache_dir.rglob("*.json"):
        assert str(first.root) not in f.read_text(), f
