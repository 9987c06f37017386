"""Cells, equations and references are read with the line each starts on."""

import pytest

from folio.errors import PostError
from folio.parse import read_post

FRONT = """\
---
title: T
date: 2026-02-01
authors: [folio]
categories: [Testing]
description: D.
---

Intro.

<!-- more -->

"""


def post(tmp_path, body):
    p = tmp_path / "p" / "index.md"
    p.parent.mkdir(exist_ok=True)
    p.write_text(FRONT + body)
    return p


def test_cells_equations_and_lines(tmp_path):
    body = (
        "```{math}\n:label: eq-one\na = b\n```\n\n"       # line 13
        "See {eq}`eq-one`.\n\n"
        "```{code-cell} ipython3\n:tags: [hide-input, gpu]\nx = 1\ny = 2\n```\n\n"  # fence on line 20
        "+++\n\nMore prose.\n"
    )
    p = read_post(post(tmp_path, body))
    code = p.code_cells
    assert len(code) == 1
    assert code[0].source == "x = 1\ny = 2"
    assert code[0].line == 22 and code[0].tags == ("hide-input", "gpu") and code[0].number == 1
    assert p.equations[0].label == "eq-one" and p.equations[0].line == 13
    assert p.equations[0].tex == "a = b" and p.equations[0].number == 1
    assert [c.kind for c in p.cells] == ["markdown", "code", "markdown"]


def test_unlabeled_display_math_is_an_error_naming_the_line(tmp_path):
    p = post(tmp_path, "Text.\n\n$$\na = b\n$$\n")
    with pytest.raises(PostError) as err:
        read_post(p)
    assert f"{p}:15: display equation without a label" in err.value.render()


def test_math_block_without_label(tmp_path):
    p = post(tmp_path, "```{math}\na = b\n```\n")
    with pytest.raises(PostError) as err:
        read_post(p)
    assert f"{p}:13: display equation without a label" in err.value.render()
    assert ":label: eq-<name>" in err.value.render()


def test_reference_to_unknown_equation(tmp_path):
    p = post(tmp_path, "See {eq}`eq-missing`.\n")
    with pytest.raises(PostError) as err:
        read_post(p)
    assert f"{p}:13: reference to unknown equation 'eq-missing'" in err.value.render()


def test_duplicate_label(tmp_path):
    p = post(tmp_path, "```{math}\n:label: eq-a\nx\n```\n\n```{math}\n:label: eq-a\ny\n```\n")
    with pytest.raises(PostError, match="used twice"):
        read_post(p)


def test_unclosed_fence(tmp_path):
    p = post(tmp_path, "```{code-cell} ipython3\nx = 1\n")
    with pytest.raises(PostError, match="never closed"):
        read_post(p)


def test_inline_math_and_plain_code_blocks_are_prose(tmp_path):
    p = read_post(post(tmp_path, "Inline $a$.\n\n```python\n$$ not math $$\n```\n"))
    assert p.equations == () and p.code_cells == ()


def test_jupytext_reads_the_same_cells(tmp_path):
    """A post opens as a notebook through jupytext with the same code cells."""
    import jupytext

    header = ("---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
              "    format_version: 0.13\nkernelspec:\n  name: python3\n  display_name: Python 3\n"
              "  language: python\n")
    body = "```{code-cell} ipython3\n:tags: [hide-input]\nx = 1\n```\n\n```{code-cell} ipython3\ny = 2\n```\n"
    path = post(tmp_path, body)
    path.write_text(path.read_text().replace("---\n", header, 1))
    ours = read_post(path)
    nb = jupytext.read(path)
    theirs = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.source for c in theirs] == [c.source for c in ours.code_cells]
    assert theirs[0].metadata["tags"] == ["hide-input"]
