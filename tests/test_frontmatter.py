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


def test_empty_authors_says_to_name_one(tmp_path):
    p = write(tmp_path, HEADER.replace("[folio]", "[]"))
    msg = (lambda: read_post(p, {"folio"}))
    with pytest.raises(PostError) as err:
        msg()
    assert (f"{p}:4: 'authors' is empty: name at least one id from site_src/blog/.authors.yml"
            in err.value.render())


def test_a_date_that_does_not_exist_names_its_line(tmp_path):
    p = write(tmp_path, HEADER.replace("date: 2026-02-01", "date: 2026-02-30"))
    with pytest.raises(PostError) as err:
        read_post(p)
    assert f"{p}:3: the front matter has a value YAML cannot read: day is out of range" in err.value.render()


def test_a_date_with_a_time_zone_is_an_error(tmp_path):
    p = write(tmp_path, HEADER.replace("date: 2026-02-01", "date: 2026-02-01T10:00:00+02:00"))
    with pytest.raises(PostError) as err:
        read_post(p)
    assert f"{p}:3: front matter key 'date': a time zone is not supported" in err.value.render()


@pytest.mark.parametrize("date", ["2026-02-01", '"2026-02-01"', "'2026-02-01 13:45:00'",
                                  "2026-02-01 13:45:00"])
def test_quoted_and_unquoted_dates_are_read_alike(tmp_path, date):
    p = write(tmp_path, HEADER.replace("date: 2026-02-01", f"date: {date}"))
    assert read_post(p).meta.date.date().isoformat() == "2026-02-01"


def test_a_yaml_alias_bomb_gives_a_short_message(tmp_path):
    """Aliases share one list; quoting the value in full would print 9 * 7**7 names."""
    levels = ["&a [x, x, x, x, x, x, x, x, x]"] + [
        f"&{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 7) + "]" for i in range(7)]
    p = write(tmp_path, HEADER.replace("categories: [Testing]",
                                       f"categories: [{', '.join(levels)}]"))
    with pytest.raises(PostError) as err:
        read_post(p)
    msg = err.value.render()
    assert f"{p}:5: front matter key 'categories': expected a list of names, got [[" in msg
    assert len(msg) < 400


def test_a_malformed_authors_file_names_the_file_and_line(project):
    project.authors_file.write_text("authors:\n  folio:\n    name: [The folio team\n")
    with pytest.raises(PostError) as err:
        project.known_authors()
    assert f"{project.authors_file}:3: the authors file is not valid YAML" in err.value.render()


def test_an_authors_file_of_the_wrong_shape_names_the_file(project):
    project.authors_file.write_text("authors:\n  - folio\n")
    with pytest.raises(PostError) as err:
        project.known_authors()
    assert f"{project.authors_file}:1: the authors file must map 'authors' to author ids" in err.value.render()


def test_a_malformed_authors_file_is_one_error_and_the_posts_are_still_read(project):
    from folio.pipeline import BuildResult, read_posts

    project.authors_file.write_text("authors: {folio\n")
    result = BuildResult()
    posts = read_posts(project, (), result)
    assert [p.slug for p in posts] == ["alpha", "beta"]
    assert len(result.problems) == 1 and str(project.authors_file) in result.problems[0]
