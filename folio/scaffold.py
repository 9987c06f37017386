"""``folio new "A title"``: a post folder that builds, with one checked equation and one figure."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

from .config import Project
from .errors import FolioError

INDEX = '''---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  name: python3
  display_name: Python 3
  language: python
title: "{title}"
date: "{date}"
authors: [{author}]
categories: [Drafts]
requires: cpu
description: One or two sentences for the feed and the post list.
---

The first paragraph is the excerpt shown on the blog index: say what the reader will learn.

<!-- more -->

## An equation, checked against code

The sum of the first $n$ odd numbers is a perfect square:

```{{math}}
:label: eq-{stem}-odd-sum
\\sum_{{k=1}}^{{n}} (2k - 1) = n^2
```

Equation {{eq}}`eq-{stem}-odd-sum` has a code counterpart in `{module}.py`, checked against a
direct sum on every build.

```{{code-cell}} ipython3
import numpy as np
from folio import figure, glue
from {module} import odd_sum

n = np.arange(1, 21)
glue("largest", int(odd_sum(n[-1])))
```

The sum of the first 20 odd numbers is {{glue}}`largest`.

```{{code-cell}} ipython3
:tags: [hide-input]
def draw(fig, theme):
    ax = fig.subplots()
    ax.plot(n, [odd_sum(k) for k in n], "o", color=theme.colors[0], label="sum of odd numbers")
    ax.plot(n, n**2, color=theme.colors[1], label="$n^2$")
    ax.set_xlabel("n")
    ax.legend()

figure("odd-sum", draw, caption="The sum of the first n odd numbers against n squared.", size=(6, 3.5))
```
'''

MODULE = '''"""Code counterparts of the equations in "{title}"."""

import numpy as np

from folio import check, equation


@equation("eq-{stem}-odd-sum")
def odd_sum(n):
    """Right-hand side of the equation: n squared."""
    return n**2


@check("eq-{stem}-odd-sum", kind="definition", oracle="a direct sum of the first n odd numbers", rtol=0,
       cases=[1, 2, 3, 10, 1000])
def odd_sum_direct(n):
    return np.sum(2 * np.arange(1, n + 1) - 1)
'''


def slugify(title: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    if not slug:
        raise FolioError(f"cannot make a folder name from the title {title!r}",
                         hint="use a title with some letters or digits")
    return slug


def new_post(project: Project, title: str, *, author: str | None = None,
             today: dt.date | None = None) -> Path:
    slug = slugify(title)
    folder = project.posts_dir / slug
    if folder.exists():
        raise FolioError(f"posts/{slug}/ already exists", file=folder,
                         hint="choose another title, or edit the existing post")
    authors = sorted(project.known_authors() or [])
    if author is None:
        if not authors:
            raise FolioError("no authors are defined", file=project.authors_file,
                             hint="add yourself under 'authors:' in site_src/blog/.authors.yml")
        author = authors[0]
    elif authors and author not in authors:
        raise FolioError(f"unknown author {author!r}", file=project.authors_file,
                         hint=f"use one of {', '.join(authors)}")
    stem = slug[:24].strip("-")
    module = "post_" + re.sub(r"\W", "_", slug)[:24].strip("_")
    fields = dict(title=title.replace('"', '\\"'), date=(today or dt.date.today()).isoformat(),
                  author=author, stem=stem, module=module)
    folder.mkdir(parents=True)
    (folder / "index.md").write_text(INDEX.format(**fields), encoding="utf-8")
    (folder / f"{module}.py").write_text(MODULE.format(**fields), encoding="utf-8")
    return folder / "index.md"
