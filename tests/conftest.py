"""Shared fixtures: a tiny real blog assembled in a temp dir from the repo's own site config."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from folio.config import Project

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GENERATED = {"posts", "series", "notebooks", "report.md"}


def _copy_site_src(dest: Path) -> None:
    def ignore(directory, names):
        rel = Path(directory).relative_to(REPO / "site_src")
        skip = {n for n in names if (rel / n).as_posix() in
                {"blog/posts", "series", "notebooks", "report.md"}}
        return skip
    shutil.copytree(REPO / "site_src", dest / "site_src", ignore=ignore)


def make_project(dest: Path, posts: list[Path] | None = None) -> Project:
    """A project in ``dest`` with the repo's mkdocs.yml, site pages and lock file, the fixture
    blog's kernels, and the given post folders (default: the fixture blog's posts)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copy(REPO / "requirements.lock", dest / "requirements.lock")
    _copy_site_src(dest)
    series = dest / "site_src" / "series.yml"
    series.write_text(series.read_text() + "fixture-series:\n  title: Fixture series\n")
    shutil.copytree(FIXTURES / "blog" / "kernels", dest / "kernels")
    (dest / "posts").mkdir()
    for p in posts if posts is not None else sorted((FIXTURES / "blog" / "posts").iterdir()):
        shutil.copytree(p, dest / "posts" / p.name)
    return Project(dest)


@pytest.fixture
def project(tmp_path) -> Project:
    return make_project(tmp_path / "blog")


@pytest.fixture(scope="session")
def built_fixture_blog(tmp_path_factory):
    """The fixture blog, built once with mkdocs, for tests that only read the output."""
    from folio.pipeline import BuildOptions, build

    proj = make_project(tmp_path_factory.mktemp("built") / "blog")
    result = build(proj, BuildOptions(jobs=2))
    assert result.ok, result.problems
    return proj, result


@contextmanager
def registry():
    """A fresh equation registry for decorators used inside a test."""
    from folio.verify.api import Registry, _registry, use_registry

    reg = Registry()
    token = use_registry(reg)
    try:
        yield reg
    finally:
        _registry.reset(token)
