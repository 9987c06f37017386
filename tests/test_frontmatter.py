"""Front matter is validated when a post is read; errors name the file, the line and the key."""

import textwrap

import pytest

from folio.errors import PostError
from folio.parse import read_post

HEADER = """\
---
title: A post
date: 2026-02-01
authors: [folio]
categories: [Testing]
description: Words.
---

Intro.

<!-- more -->
"""


def write(tmp_path, text):
    p = tmp_path / "post" / "index.md"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text))
    return p


def test_valid_front_matter(tmp_path):
    post = read_post(write(tmp_path, HEADER), {"folio"})
    assert post.meta.title == "A post"
    assert post.meta.date.year == 2026 and post.meta.requires == "cpu"
    assert post.slug == "post"


def test_quoted_date_is_rejected_with_line_and_key(tmp_path):
    p = write(tmp_path, HEADER.replace("date: 2026-02-01", 'date: "Feb 1"'))
    with pytest.raises(PostError) as err:
        read_post(p)
    msg = err.value.render()
    assert f"{p}:3:" in msg
    assert "front matter key 'date'" in msg and "2026-02-01" in msg


def test_unknown_key_names_its_line(tmp_path):
    p = write(tmp_path, HEADER.replace("categories:", "categoris:"))
    with pytest.raises(PostError) as err:
        read_post(p)
    assert f"{p}:5: front matter key 'categoris': unknown key" in err.value.render()


def test_missing_key_is_named(tmp_path):
    p = write(tmp_path, HEADER.replace("description: Words.\n", ""))
    with pytest.raises(PostError, match="'description' is missing"):
        read_post(p)


def test_unknown_author(tmp_path):
    p = write(tmp_path, HEADER.replace("[folio]", "[nobody]"))
    with pytest.raises(PostError) as err:
        read_post(p, {"folio"})
    assert "unknown author 'nobody'" in err.value.render()
    assert ".authors.yml" in err.value.render()


def test_requires_must_be_cpu_or_gpu(tmp_path):
    p = write(tmp_path, HEADER.replace("description:", "requires: tpu\ndescription:"))
    with pytest.raises(PostError, match="'requires': expected 'cpu' or 'gpu'"):
        read_post(p)


def test_no_front_matter(tmp_path):
    with pytest.raises(PostError, match="no front matter"):
        read_post(write(tmp_path, "# Just a heading\n"))


def test_missing_excerpt_marker(tmp_path):
    p = write(tmp_path, HEADER.replace("<!-- more -->\n", ""))
    with pytest.raises(PostError, match="excerpt marker"):
        read_post(p)
