"""The real posts: each parses, opens as a notebook through jupytext, and saves as valid JSON."""

from pathlib import Path

import jupytext
import nbformat
import pytest

from folio.config import Project
from folio.parse import read_post

REPO = Path(__file__).resolve().parent.parent
PROJECT = Project(REPO)
POSTS = PROJECT.post_paths()


@pytest.mark.parametrize("index", POSTS, ids=[p.parent.name for p in POSTS])
def test_post_opens_as_a_notebook(index):
    post = read_post(index, PROJECT.known_authors())
    nb = jupytext.read(index)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code == [c.source for c in post.code_cells]
    nbformat.writes(nb)  # Jupyter must be able to save it: front matter JSON-serialisable


def test_series_posts_have_distinct_dates():
    posts = [read_post(p) for p in POSTS]
    by_series = {}
    for p in posts:
        if p.meta.series:
            by_series.setdefault(p.meta.series, []).append(p.meta.date)
    for series, dates in by_series.items():
        assert len(dates) == len(set(dates)), f"{series}: two posts share a date, order is ambiguous"
