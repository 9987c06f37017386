"""One test per displayed equation of every post: it has a counterpart and passes its checks.

Collected from the posts themselves, so a new equation is tested the moment it is written, and a
failure names the post and the label.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from folio.equations import verify_post
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
def _verified(slug: str):
    return verify_post(read_post(POSTS / slug / "index.md"))


@pytest.mark.parametrize("slug,label", _params())
def test_equation(slug, label):
    if label is None:
        read_post(POSTS / slug / "index.md")  # raises with the file and line
    result = _verified(slug)
    if label == "":
        assert not result.orphans, f"{slug}: counterparts for labels the post does not display: {result.orphans}"
        return
    eq = next(r for r in result.results if r.label == label)
    failures = [f"{c.name} (against {c.oracle}): {c.message}" for c in eq.checks if not c.passed]
    assert eq.verified, f"{slug} {label}: {eq.problem or '; '.join(failures)}"
