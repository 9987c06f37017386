"""The front-matter schema, validated when a post is read. Errors name the file, line and key."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from . import yaml_fast
from .errors import PostError
from .post import FrontMatter

REQUIRED = ("title", "date", "authors", "categories", "description")
OPTIONAL = ("series", "requires", "draft")
# Written by jupytext so the file opens as a notebook; not the post's business.
PASSTHROUGH = ("jupytext", "kernelspec")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def split(text: str, path: Path) -> tuple[str, str, int]:
    """Return (yaml text, body, line where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise PostError("the post has no front matter", file=path, line=1,
                        hint="start the file with a '---' line, the YAML keys "
                             f"({', '.join(REQUIRED)}), and another '---' line")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1:]), i + 2
    raise PostError("the front matter is not closed", file=path, line=1,
                    hint="end the YAML block with a line holding only '---'")


def _key_lines(yaml_text: str) -> dict[str, int]:
    try:
        node = yaml_fast.compose(yaml_text)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 2 for k, _ in node.value}  # +1 for '---', +1 one-based


def parse(yaml_text: str, path: Path, known_authors: set[str] | None = None) -> FrontMatter:
    try:
        data = yaml_fast.safe_load(yaml_text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PostError(f"the front matter is not valid YAML: {getattr(exc, 'problem', exc)}",
                        file=path, line=(mark.line + 2) if mark else 1,
                        hint="check the indentation and quote values that contain ':'") from None
    if not isinstance(data, dict):
        raise PostError("the front matter must be a mapping of keys to values", file=path, line=2)
    lines = _key_lines(yaml_text)

    def fail(key: str, msg: str, hint: str) -> PostError:
        return PostError(f"front matter key '{key}': {msg}", file=path, line=lines.get(key, 2),
                         hint=hint)

    for key in data:
        if key not in REQUIRED + OPTIONAL + PASSTHROUGH:
            raise fail(key, "unknown key",
                       f"use one of {', '.join(REQUIRED + OPTIONAL)} (check the spelling)")
    for key in REQUIRED:
        if key not in data or data[key] in (None, "", []):
            raise PostError(f"front matter key '{key}' is missing", file=path, line=2,
                            hint=f"add '{key}:' to the front matter")

    for key in ("title", "description"):
        if not isinstance(data[key], str):
            raise fail(key, f"expected text, got {type(data[key]).__name__}", "write it as a string")

    date = data["date"]
    if isinstance(date, str):
        # Quoted ISO dates keep the front matter JSON-serialisable, which Jupyter needs when
        # jupytext opens the post as a notebook and saves it.
        try:
            date = dt.datetime.fromisoformat(date.strip())
        except ValueError:
            pass
    if isinstance(date, dt.datetime):
        when = date
    elif isinstance(date, dt.date):
        when = dt.datetime(date.year, date.month, date.day)
    else:
        raise fail("date", f"expected a date, got {date!r}",
                   "write an ISO date such as \"2026-02-01\" or \"2026-02-01 13:45:00\"")

    def str_list(key: str) -> tuple[str, ...]:
        value = data[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise fail(key, f"expected a list of names, got {value!r}", f"write '{key}: [a, b]'")
        return tuple(value)

    authors = str_list("authors")
    if known_authors is not None:
        unknown = [a for a in authors if a not in known_authors]
        if unknown:
            raise fail("authors", f"unknown author {unknown[0]!r}",
                       f"use one of {', '.join(sorted(known_authors))}, or add the author to "
                       "site_src/blog/.authors.yml")
    categories = str_list("categories")

    requires = data.get("requires", "cpu")
    if requires not in ("cpu", "gpu"):
        raise fail("requires", f"expected 'cpu' or 'gpu', got {requires!r}",
                   "write 'requires: cpu' or 'requires: gpu'")
    series = data.get("series")
    if series is not None and not (isinstance(series, str) and SLUG.fullmatch(series)):
        raise fail("series", f"expected a slug such as 'frechet-derivatives', got {series!r}",
                   "use lowercase words joined by '-'")
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        raise fail("draft", f"expected true or false, got {draft!r}", "write 'draft: true'")
    return FrontMatter(title=data["title"], date=when, authors=authors, categories=categories,
                       description=data["description"].strip(), requires=requires, series=series,
                       draft=draft)
