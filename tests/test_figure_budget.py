"""The size budget of a figure's SVG: a warning naming post, cell, figure and artists over it, with
the heavy artists embedded as an image; an error past the hard limit; nothing published over it."""

from __future__ import annotations


import matplotlib
import numpy as np
import pytest

from folio.execute.result import CellOutputs
from folio.pipeline import BuildOptions, build
from folio.runtime import budget
from folio.runtime.budget import FigureTooLarge, figure_warnings
from folio.runtime.figures import LIGHT, render
from folio.runtime.mimetypes import FIGURE
from tests.conftest import make_project

matplotlib.use("Agg")


def scatter(n: int, *, rasterized: bool = False):
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(n, 2))

    def draw(fig, theme):
        ax = fig.subplots()
        ax.scatter(xy[:, 0], xy[:, 1], c=np.arange(n), s=2, lw=0, rasterized=rasterized)
        ax.plot([0, 1], [0, 1], color=theme.colors[0], label="a light line")
        ax.set_title("points")
    return draw


@pytest.fixture
def small_budget(monkeypatch):
    """The budget and limit scaled down, so the unit tests draw few points; the build
    tests below use the real ones."""
    monkeypatch.setattr(budget, "BUDGET", 80_000)
    monkeypatch.setattr(budget, "LIMIT", 300_000)
    monkeypatch.setattr(budget, "HEAVY", 1_000)


def test_under_budget_is_published_as_drawn():
    drawn = render(scatter(200), LIGHT, (4, 3), "small")
    assert drawn.warnings == ()
    assert "<image" not in drawn.svg and len(drawn.svg) < budget.BUDGET


def test_over_budget_rasterizes_the_heavy_artists_and_warns(small_budget):
    drawn = render(scatter(600), LIGHT, (4, 3), "cloud")
    (warning,) = drawn.warnings
    assert warning.startswith("figure 'cloud' is ")
    assert f"over the budget of {budget.kb(budget.BUDGET)}: published at " in warning
    assert "PathCollection (600 points)" in warning and "Line2D" not in warning
    assert "Pass rasterized=True when drawing them" in warning
    svg = drawn.svg
    assert len(svg.encode()) <= budget.BUDGET
    assert svg.count("<image") == 1  # the scatter; the line, axes and text stay vectors


def test_rasterized_by_the_author_is_quiet(small_budget):
    drawn = render(scatter(600, rasterized=True), LIGHT, (4, 3), "cloud")
    assert drawn.warnings == () and len(drawn.svg) <= budget.BUDGET


def test_past_the_hard_limit_is_an_error_naming_post_and_figure(small_budget, monkeypatch):
    monkeypatch.setenv("FOLIO_SLUG", "big-post")
    with pytest.raises(FigureTooLarge) as err:
        render(scatter(3000), LIGHT, (4, 3), "cloud")
    msg = str(err.value)
    assert msg.startswith("figure 'cloud' of posts/big-post/index.md is ")
    assert "past the hard limit of 300 KB (the budget is 80 KB)" in msg
    assert "the heavy parts: PathCollection (3,000 points)" in msg
    assert "rasterized=True" in msg


def test_still_over_budget_after_rasterizing_is_an_error(small_budget, monkeypatch):
    monkeypatch.setattr(budget, "BUDGET", 5_000)  # less than the axes and text alone
    with pytest.raises(FigureTooLarge) as err:
        render(scatter(600), LIGHT, (4, 3), "cloud")
    msg = str(err.value)
    assert "over the budget of 5 KB, and still" in msg and "with its heaviest artists rasterized" in msg


def test_build_warning_names_post_and_cell():
    payload = {"name": "cloud", "warnings": ["figure 'cloud' is 1 MB as SVG, ..."]}
    cells = (CellOutputs(3, ({"output_type": "display_data", "data": {FIGURE: payload}},)),)
    assert figure_warnings("p", cells) == [
        "posts/p/index.md, code cell 3: figure 'cloud' is 1 MB as SVG, ..."]


POST = """\
---
title: Heavy
date: "2026-01-05"
authors: [folio]
categories: [Testing]
description: A post with a heavy figure.
---

A scatter of many points.

<!-- more -->

```{code-cell} ipython3
import numpy as np
from folio import figure

xy = np.random.default_rng(0).normal(size=(%d, 2))

def draw(fig, theme):
    ax = fig.subplots()
    ax.scatter(xy[:, 0], xy[:, 1], c=np.arange(len(xy)), s=2, lw=0)

figure("cloud", draw, caption="Many points.")
```
"""


def _post(tmp_path, points: int):
    src = tmp_path / "src" / "heavy"
    src.mkdir(parents=True)
    (src / "index.md").write_text(POST % points, encoding="utf-8")
    return make_project(tmp_path / "blog", posts=[src])


def test_a_heavy_figure_warns_in_the_build_and_is_published_within_budget(tmp_path):
    proj = _post(tmp_path, 6000)
    result = build(proj, BuildOptions(jobs=1, site=False))
    assert result.ok, result.problems
    (warning,) = [w for w in result.warnings if "figure 'cloud'" in w]
    assert warning.startswith("posts/heavy/index.md, code cell 1: figure 'cloud' is ")
    for scheme in ("light", "dark"):
        svg = proj.figures_dir / "heavy" / f"cloud-{scheme}.svg"
        assert svg.stat().st_size <= budget.BUDGET
    # A cached build says it again: the warning holds until the figure is fixed.
    again = build(proj, BuildOptions(jobs=1, site=False))
    assert again.results["heavy"].status == "cached"
    assert any("figure 'cloud'" in w for w in again.warnings)


def test_a_figure_past_the_limit_fails_its_post_naming_file_cell_and_figure(tmp_path):
    proj = _post(tmp_path, 45_000)  # about 6 MB of SVG
    result = build(proj, BuildOptions(jobs=1, site=False))
    assert not result.ok
    (problem,) = result.problems
    assert "posts/heavy/index.md:" in problem or "heavy/index.md:" in problem
    assert "code cell 1 raised FigureTooLarge: figure 'cloud' of posts/heavy/index.md is " in problem
    assert "past the hard limit of 5.0 MB" in problem
    assert not (proj.figures_dir / "heavy" / "cloud-light.svg").exists()


