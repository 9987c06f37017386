"""One bad post among good ones: it fails by name, the rest of the site builds without it; an
equation whose check fails is an error, and the preview still shows its page."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import feedparser
import nbformat
import pytest

from folio.config import Project
from folio.pipeline import BuildOptions, build
from folio.render.limits import MAX_BYTES, MAX_LINES
from folio.serve import preview_options
from tests.conftest import FIXTURES, make_project

NO_SITE = BuildOptions(jobs=1, site=False)


def statuses(result):
    return {s: r.status for s, r in result.results.items()}


def edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_a_post_with_invalid_tex_is_left_out_and_the_site_builds(project):
    """beta (part 2 of the fixture series) gets a display equation that does not parse."""
    index = project.posts_dir / "beta" / "index.md"
    edit(index, "Beta calls a kernel", "```{math}\n:label: eq-broken\n\\frac{1}{\n```\n\nBeta calls a kernel")
    r = build(project, BuildOptions(jobs=2, keep_going=True))
    assert not r.ok and r.site_built, r.problems
    (msg,) = [p for p in r.problems if "eq-broken" in p or "frac" in p]
    assert msg.startswith(f"{index}:19: cannot render TeX")
    assert r.results["beta"].status == "failed"
    site = project.site_dir
    assert (site / "blog" / "alpha" / "index.html").is_file()
    assert not (site / "blog" / "beta").exists()
    assert not (project.generated_posts / "beta.md").exists()
    # Left out everywhere: the series, alpha's "next" link, the listings, the feed, the report.
    alpha = (site / "blog" / "alpha" / "index.html").read_text()
    assert "Part 1 of 1 in the series" in alpha and "Next: Beta" not in alpha
    series = (site / "series" / "fixture-series" / "index.html").read_text()
    assert "Alpha" in series and "Beta" not in series
    assert "Beta" not in (site / "blog" / "index.html").read_text()
    feed = feedparser.parse((site / "feed_rss_created.xml").read_text())
    assert [e.title for e in feed.entries] == ["Alpha"]
    report = (site / "report" / "index.html").read_text()
    assert "beta" in report and 'href="../blog/beta/"' not in report
    # Fixed: beta is back everywhere.
    edit(index, "\\frac{1}{\n", "\\frac{1}{2}\n")
    r = build(project, BuildOptions(jobs=2, keep_going=True))
    assert (site / "blog" / "beta" / "index.html").is_file()
    assert "Next: Beta" in (site / "blog" / "alpha" / "index.html").read_text()


@pytest.fixture(scope="module")
def printed_once(tmp_path_factory):
    """beta printing 200,000 lines, executed once for the module: the limits are display
    options, not in the cache key, so every test below renders from this execution."""
    proj = make_project(tmp_path_factory.mktemp("printing") / "b",
                        posts=[FIXTURES / "blog" / "posts" / "beta"])
    edit(proj.posts_dir / "beta" / "index.md", 'print("double", double(21))',
         'print("double", double(21))\n'
         'print("\\n".join(f"step {i:6d} loss 0.25" for i in range(200_000)))')
    assert build(proj, NO_SITE).ok
    return proj


def printing_post(printed_once, tmp_path, options: str = ""):
    dest = tmp_path / "b"
    shutil.copytree(printed_once.root, dest)
    proj = Project(dest)
    edit(proj.posts_dir / "beta" / "index.md", "```{code-cell} ipython3\n",
         "```{code-cell} ipython3\n" + options)
    return proj


def test_a_cell_printing_200000_lines_is_cut_on_the_page_and_whole_in_the_notebook(printed_once,
                                                                                   tmp_path):
    proj = printing_post(printed_once, tmp_path)
    r = build(proj, NO_SITE)
    assert r.ok, r.problems
    assert statuses(r) == {"beta": "cached"}
    page = (proj.generated_posts / "beta.md").read_text()
    assert len(page.encode()) < MAX_BYTES + 10_000
    shown = re.findall(r"^step +\d+ loss", page, re.M)
    assert len(shown) == MAX_LINES - 1  # and the line "double 42" before them
    assert "Output cut: 199,501 more lines (4.4 MB) of this cell's output are not shown here" in page
    assert "[the Jupyter notebook](../../notebooks/beta.ipynb)" in page
    nb = nbformat.reads((proj.generated_notebooks / "beta.ipynb").read_text(), as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert text.count("\n") == 200_001 and "step 199999 loss" in text
    index = proj.posts_dir / "beta" / "index.md"
    (warning,) = [w for w in r.warnings if "printed" in w]
    assert warning.startswith(f"{index}:24: code cell 1 printed 200,001 lines (4.4 MB); its page "
                              f"shows {MAX_LINES} of them")
    assert "':output-lines: N'" in warning
    # A memo hit (nothing to render again) warns again: the warning is not lost.
    again = build(proj, NO_SITE)
    assert again.rendered == [] and any("printed 200,001 lines" in w for w in again.warnings)


def test_a_cell_may_raise_its_limits(printed_once, tmp_path):
    proj = printing_post(printed_once, tmp_path, ":output-lines: 2000\n:output-bytes: 1000000\n")
    r = build(proj, NO_SITE)
    page = (proj.generated_posts / "beta.md").read_text()
    assert len(re.findall(r"^step +\d+ loss", page, re.M)) == 1999
    assert "Output cut: 198,001 more lines" in page and "at most 2,000 lines and 1.0 MB" in page
    assert r.ok and statuses(r) == {"beta": "cached"}


@pytest.mark.parametrize("value", ["lots", "0", "-5", "true"])
def test_a_bad_limit_names_the_cell_and_leaves_the_post_out(printed_once, tmp_path, value):
    proj = printing_post(printed_once, tmp_path, f":output-lines: {value}\n")
    r = build(proj, BuildOptions(jobs=1, site=False, keep_going=True))
    assert not r.ok and r.results["beta"].status == "failed"
    (msg,) = r.problems
    index = proj.posts_dir / "beta" / "index.md"
    assert msg.startswith(f"{index}:24: code cell 1: option :output-lines: ")
    assert "is not a positive whole number" in msg and "fix: write e.g. ':output-lines: 2000'" in msg
    assert not (proj.generated_posts / "beta.md").exists()


@pytest.fixture
def wrong_equation(tmp_path):
    """The 'correct' fixture with its counterpart transposed: its check runs and fails."""
    proj = make_project(tmp_path / "b", posts=[FIXTURES / "posts" / "correct"])
    module = proj.posts_dir / "correct" / "correct_eqs.py"
    edit(module, "return A.T", "return A")
    return proj


def test_a_failing_check_is_an_error_by_default(wrong_equation):
    r = build(wrong_equation, BuildOptions(jobs=1, site=False))
    assert not r.ok
    (msg,) = r.problems
    assert msg.startswith("posts/correct/index.md: equation eq-grad-trace is not verified: case 0 "
                          "(3x4 ndarray, 4x3 ndarray): max abs error")
    assert "exceeds rtol 1e-06" in msg
    cli = subprocess.run([sys.executable, "-m", "folio", "build", "--no-site"],
                         cwd=wrong_equation.root, capture_output=True, text=True)
    assert cli.returncode == 1 and "equation eq-grad-trace is not verified: case 0" in cli.stderr


def test_the_preview_shows_the_page_of_a_failing_check(wrong_equation, monkeypatch):
    monkeypatch.setenv("FOLIO_PREVIEW", "1")  # as folio serve sets it
    r = build(wrong_equation, preview_options(jobs=1))
    assert not r.ok
    page = (wrong_equation.generated_posts / "correct.md").read_text()
    assert "✗ Check failing: the code disagrees with central finite differences (case 0 (" in page


def test_a_missing_check_is_a_warning_and_an_error_under_strict(tmp_path):
    proj = make_project(tmp_path / "b", posts=[FIXTURES / "posts" / "missing-check"])
    r = build(proj, NO_SITE)
    assert r.ok and any("eq-grad-trace is not verified: no check" in w for w in r.warnings)
    assert not build(proj, BuildOptions(jobs=1, site=False, strict=True)).ok
