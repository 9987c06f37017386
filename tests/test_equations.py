"""One test per displayed equation of every post: it has a counterpart, passes its checks, one
of them independent of its formula, and the checks catch every altered version of its code that
the author has not declared equivalent.

Collected from the posts themselves, so a new equation is tested the moment it is written, and a
failure names the post and the label. The checks' results are the ones the build's kernel
computed (``make test`` builds first; the execution cache holds them, keyed by the post's code,
the kernels it imports and folio's checker): running every check again here took minutes. A post
the cache lacks (a test run without a build) has its checks run here.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from folio.verify.equations import verify_post
from folio.errors import FolioError
from folio.parse import read_post

POSTS = Path(__file__).resolve().parent.parent / "posts"


def _params():
    out = []
    for index in sorted(POSTS.glob("*/index.md")):
        slug = index.parent.name
        try:
            post = read_post(index)
        except FolioError as exc:
            out.append(pytest.param(slug, None, id=f"{slug}::unreadable"))
            continue
        out.extend(pytest.param(slug, e.label, id=f"{slug}::{e.label}") for e in post.equations)
        out.append(pytest.param(slug, "", id=f"{slug}::no-orphan-counterparts"))
    return out


@functools.lru_cache(maxsize=None)
def _verified(slug: str) -> dict:
    """The post's check results as the build recorded them ({"equations": [...], "orphans"})."""
    from folio.config import Project
    from folio.options import BuildOptions
    from folio.pipeline import execute

    post = read_post(POSTS / slug / "index.md")
    cached = execute(Project(POSTS.parent), [post], BuildOptions(jobs=1), cache_only=True)
    checks = cached[slug].checks if slug in cached else None
    if not checks or checks.get("error"):
        return verify_post(post).to_dict()
    return checks


@functools.lru_cache(maxsize=None)
def _mutations() -> dict:
    """Every post's mutation analysis, from build/cache/mutants (``make test`` builds first, so
    this is warm; run cold, it takes minutes)."""
    from folio.config import Project
    from folio.verify.stage import analyse_posts

    project = Project(POSTS.parent)
    todo = []
    for index in sorted(POSTS.glob("*/index.md")):
        try:
            post = read_post(index)
        except FolioError:
            continue
        todo.append((post, [e.label for e in post.equations]))
    found = analyse_posts(todo, root=project.root, lock_file=project.lock_file,
                          cache_dir=project.cache_dir / "mutants", jobs=2)
    return {(slug, d["label"]): d for slug, m in found.items() for d in m.data.get("labels", [])}


@pytest.mark.parametrize("slug,label", _params())
def test_equation(slug, label):
    if label is None:
        read_post(POSTS / slug / "index.md")  # raises with the file and line
    result = _verified(slug)
    if label == "":
        assert not result["orphans"], (f"{slug}: counterparts for labels the post does not "
                                       f"display: {result['orphans']}")
        return
    eq = next(r for r in result["equations"] if r["label"] == label)
    failures = [f"{c['name']} (against {c['oracle']}): {c['message']}" for c in eq["checks"]
                if not c["passed"]]
    passed = not eq["problem"] and eq["checks"] and not failures
    assert passed, f"{slug} {label}: {eq['problem'] or '; '.join(failures)}"
    kinds = ", ".join(f"{c['name']}: {c['kind']}" + (" (same shape)" if c["same_shape"] else "")
                      for c in eq["checks"])
    assert eq["status"] == "verified", (f"{slug} {label} is only consistent: no check is "
                                        f"independent of its formula ({kinds})")
    m = _mutations().get((slug, label))
    assert m is not None and not m["skipped"], f"{slug} {label}: no mutation analysis"
    survivors = "; ".join(f"{s['id']}: {s['diff']}" for s in m["survivors"])
    assert not survivors, f"{slug} {label}: the checks pass altered code: {survivors}"
