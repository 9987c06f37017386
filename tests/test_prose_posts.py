"""A post with nothing to run (no code cell, no equation, no module) starts no kernel, and its page
is stable from the first build: the first no-op build after a cold one renders nothing again."""

from folio.pipeline import BuildOptions, build
from tests.conftest import make_project

PROSE = """\
---
title: Prose {n}
date: "2026-02-{n:02d}"
authors: [folio]
categories: [Testing]
description: Prose post {n}.
---

Post {n} has inline math, $e^{{i\\pi}} + 1 = 0$, and a [link](https://example.org/{n}).

<!-- more -->

## Section

Nothing to execute here.
"""


def test_prose_posts_start_no_kernel_and_render_once(tmp_path):
    proj = make_project(tmp_path / "blog", posts=[])
    for n in range(1, 5):
        d = proj.posts_dir / f"prose-{n}"
        d.mkdir()
        (d / "index.md").write_text(PROSE.format(n=n))
    cold = build(proj, BuildOptions(jobs=2, site=False))
    assert cold.ok, cold.problems
    assert sum(r.kernels_started for r in cold.results.values()) == 0
    assert {r.status for r in cold.results.values()} == {"prose"}
    assert sorted(cold.rendered) == [f"prose-{n}" for n in range(1, 5)]
    assert not proj.cache_dir.exists()  # no entry shared by posts that have nothing in common

    again = build(proj, BuildOptions(jobs=2, site=False))
    assert again.rendered == [] and sum(r.kernels_started for r in again.results.values()) == 0

    # A prose edit renders that post only, still without a kernel.
    page = proj.posts_dir / "prose-2" / "index.md"
    page.write_text(page.read_text().replace("Nothing to execute", "Still nothing to execute"))
    edited = build(proj, BuildOptions(jobs=2, site=False))
    assert edited.rendered == ["prose-2"] and edited.results["prose-2"].kernels_started == 0
    assert "Still nothing to execute" in (proj.generated_posts / "prose-2.md").read_text()


def test_a_prose_post_with_a_module_still_runs_its_checks(tmp_path):
    """A module in the post's folder may register counterparts for labels the post does not
    display; the kernel's checks report them, so such a post is not 'nothing to run'."""
    proj = make_project(tmp_path / "blog", posts=[])
    d = proj.posts_dir / "with-module"
    d.mkdir()
    (d / "index.md").write_text(PROSE.format(n=1))
    (d / "stray_eqs.py").write_text(
        "from folio import equation\n\n@equation('eq-not-shown')\ndef f(x):\n    return x\n")
    r = build(proj, BuildOptions(jobs=1, site=False, keep_going=True))
    assert r.results["with-module"].kernels_started == 1
    assert r.results["with-module"].checks["orphans"] == ["eq-not-shown"]
