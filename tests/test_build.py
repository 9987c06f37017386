"""The pipeline end to end on a tiny fixture blog: pages, feed, figures, cache behaviour, errors."""

import json
import subprocess
import sys

import feedparser
import nbformat
import pytest

from folio.pipeline import BuildOptions, build
from tests.conftest import FIXTURES, make_project
from tests.faults import build_killed_while_writing

NO_SITE = BuildOptions(jobs=2, site=False)


def kernels(result):
    return {s: r.kernels_started for s, r in result.results.items()}


def statuses(result):
    return {s: r.status for s, r in result.results.items()}


def test_fixture_blog_pages_feed_and_figures(built_fixture_blog):
    proj, result = built_fixture_blog
    site = proj.site_dir
    assert statuses(result) == {"alpha": "executed", "beta": "executed"}
    page = (site / "blog" / "alpha" / "index.html").read_text()
    assert "<math" in page and 'id="eq-alpha-squares"' in page
    assert "By <a href=\"#eq-alpha-squares\">(1)</a> the sum up to ten is 385." in page
    assert "✓ Verified against a direct sum" in page
    assert "Part 1 of 2 in the series" in page and "Next: Beta" in page
    assert (proj.figures_dir / "alpha" / "squares-light.svg").is_file()
    assert (site / "figures" / "alpha" / "squares-dark.svg").is_file()
    assert (site / "code" / "alpha" / "alpha_eqs.py").is_file()
    beta = (site / "blog" / "beta" / "index.html").read_text()
    assert "double 42" in beta and "Previous: Alpha" in beta
    assert (site / "series" / "fixture-series" / "index.html").is_file()
    # The companion notebook is published beside the posts and opens; the page's one download
    # is the run-it-yourself zip (tests/test_bundles.py runs it).
    assert '<a download href="../../downloads/alpha.zip">' in page
    nb = nbformat.reads((site / "notebooks" / "alpha.ipynb").read_text(), as_version=4)
    assert any("385" in "".join(c.source) for c in nb.cells if c.cell_type == "markdown")

    feed = feedparser.parse((site / "feed_rss_created.xml").read_text())
    assert not feed.bozo
    items = {e.title: e for e in feed.entries}
    assert set(items) == {"Alpha", "Beta"}
    assert items["Alpha"].published_parsed[:3] == (2026, 1, 10)
    assert items["Beta"].link.endswith("/blog/beta/")
    assert {t.term for t in items["Beta"].tags} == {"Testing", "Kernels"}

    report = json.loads(proj.report_file.read_text())
    alpha = next(p for p in report["posts"] if p["slug"] == "alpha")
    assert alpha["status"] == "executed"
    assert alpha["equations"] == {"total": 1, "verified": 1, "consistent": 0}
    assert alpha["mutants"] == {"total": 12, "caught": 12, "equivalent": 0, "survivors": 0}
    assert alpha["peak_memory_mb"] > 10 and alpha["seconds"] > 0 and alpha["device"].startswith("cpu")


def test_rebuild_is_cached_and_a_prose_edit_starts_no_kernel(project):
    first = build(project, NO_SITE)
    assert first.ok and kernels(first) == {"alpha": 1, "beta": 1}
    again = build(project, NO_SITE)
    assert statuses(again) == {"alpha": "cached", "beta": "cached"}
    assert kernels(again) == {"alpha": 0, "beta": 0}

    index = project.posts_dir / "alpha" / "index.md"
    index.write_text(index.read_text().replace("Alpha introduces", "Alpha, edited, introduces"))
    edited = build(project, NO_SITE)
    assert statuses(edited) == {"alpha": "cached", "beta": "cached"}
    assert kernels(edited) == {"alpha": 0, "beta": 0}
    page = (project.generated_posts / "alpha.md").read_text()
    assert "Alpha, edited, introduces" in page


def test_code_edit_reexecutes_that_post_only(project):
    build(project, NO_SITE)
    index = project.posts_dir / "alpha" / "index.md"
    index.write_text(index.read_text().replace('print("computed"', 'print("now computed"'))
    r = build(project, NO_SITE)
    assert statuses(r) == {"alpha": "executed", "beta": "cached"}
    assert "now computed" in (project.generated_posts / "alpha.md").read_text()


def test_kernel_module_edit_reexecutes_exactly_its_importers(project):
    build(project, NO_SITE)
    helpers = project.kernels_dir / "helpers.py"  # imported by kernels/tiny.py, which beta imports
    helpers.write_text(helpers.read_text() + "\n# tuned\n")
    r = build(project, NO_SITE)
    assert statuses(r) == {"alpha": "cached", "beta": "executed"}
    unused = project.kernels_dir / "unused.py"
    unused.write_text(unused.read_text() + "\n# nobody imports this\n")
    assert kernels(build(project, NO_SITE)) == {"alpha": 0, "beta": 0}


def test_post_module_edit_reexecutes(project):
    build(project, NO_SITE)
    mod = project.posts_dir / "alpha" / "alpha_eqs.py"
    mod.write_text(mod.read_text() + "\n# changed\n")
    assert statuses(build(project, NO_SITE)) == {"alpha": "executed", "beta": "cached"}


def test_corrupt_cache_entry_is_a_miss_not_a_crash(project):
    build(project, NO_SITE)
    for record in project.cache_dir.rglob("record.json"):
        record.write_text("{not json")
    r = build(project, NO_SITE)
    assert r.ok and statuses(r) == {"alpha": "executed", "beta": "executed"}


def test_force_reexecutes_one_post(project):
    build(project, NO_SITE)
    r = build(project, BuildOptions(jobs=2, site=False, force=("beta",)))
    assert statuses(r) == {"alpha": "cached", "beta": "executed"}


def test_raising_cell_names_post_cell_line_and_source(tmp_path, capsys):
    proj = make_project(tmp_path / "b", posts=[FIXTURES / "posts" / "cell-raises"])
    r = build(proj, NO_SITE)
    assert not r.ok
    (msg,) = r.problems
    index = proj.posts_dir / "cell-raises" / "index.md"
    assert msg.startswith(f"{index}:23: code cell 2 raised ZeroDivisionError: division by zero")
    assert "   23 | z = ratio(y, 0)" in msg
    # Trimmed to the post's own code: its helper module appears, nbclient/ipykernel do not.
    assert "raising_helper.py" in msg and "return a / b" in msg
    assert "site-packages" not in msg
    assert "fix: fix cell 2" in msg


def test_keep_going_builds_the_rest_and_still_fails(tmp_path):
    proj = make_project(tmp_path / "b", posts=[FIXTURES / "posts" / "cell-raises",
                                                FIXTURES / "blog" / "posts" / "alpha"])
    r = build(proj, BuildOptions(jobs=2, keep_going=True))
    assert not r.ok and r.site_built
    assert (proj.site_dir / "blog" / "alpha" / "index.html").is_file()
    assert not (proj.site_dir / "blog" / "cell-raises").exists()
    # The exit code is 1 either way.
    out = subprocess.run([sys.executable, "-m", "folio", "build", "--keep-going", "--no-site"],
                         cwd=proj.root, capture_output=True, text=True)
    assert out.returncode == 1
    assert "code cell 2 raised ZeroDivisionError" in out.stderr


def test_missing_glue_names_the_line(tmp_path):
    proj = make_project(tmp_path / "b", posts=[FIXTURES / "posts" / "glue-missing"])
    r = build(proj, NO_SITE)
    (msg,) = r.problems
    assert f"{proj.posts_dir / 'glue-missing' / 'index.md'}:13: {{glue}}`answer` refers to a value" in msg


def test_malformed_post_does_not_stop_the_others_with_keep_going(project):
    bad = project.posts_dir / "alpha" / "index.md"
    bad.write_text(bad.read_text().replace('date: "2026-01-10"', "date: soon"))
    r = build(project, BuildOptions(jobs=2, site=False, keep_going=True))
    assert any("front matter key 'date'" in p for p in r.problems)
    assert statuses(r) == {"beta": "executed"}


def test_killed_build_leaves_a_usable_cache(project):
    """Killed (SIGKILL, no clean-up) half-way through writing beta's cache entry, after alpha's
    was written: alpha stays cached, beta's half-written entry is never read as one and is gone
    after the next build."""
    build_killed_while_writing(project.root, "notebook.ipynb", nth=2)  # the 2nd entry: beta's
    partial = list(project.cache_dir.rglob(".tmp-*"))
    assert partial, "the kill came after the entry was complete: nothing was tested"
    whole = [p for p in project.cache_dir.glob("??/*/record.json")
             if not p.parent.name.startswith(".tmp-")]
    assert len(whole) == 1 and '"slug": "alpha"' in whole[0].read_text()
    r = build(project, BuildOptions(jobs=1, site=False))
    assert r.ok and statuses(r) == {"alpha": "cached", "beta": "executed"}
    assert not list(project.cache_dir.rglob(".tmp-*"))
    assert "double 42" in (project.generated_posts / "beta.md").read_text()


def test_new_post_builds(project):
    from folio.scaffold import new_post

    path = new_post(project, "Sums of Odd Numbers")
    assert path == project.posts_dir / "sums-of-odd-numbers" / "index.md"
    r = build(project, BuildOptions(jobs=2, site=False, only=("sums-of-odd-numbers",)))
    assert r.ok, r.problems
    res = r.results["sums-of-odd-numbers"]
    assert [e["verified"] for e in res.checks["equations"]] == [True]
    page = (project.generated_posts / "sums-of-odd-numbers.md").read_text()
    assert "The sum of the first 20 odd numbers is 400." in page
