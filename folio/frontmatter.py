"""The front-matter schema, validated when a post is read. Errors name the file, line and key."""

from __future__ import annotations

import datetime as dt
import re
import reprlib
from pathlib import Path

import yaml

from . import yaml_fast
from .errors import PostError
from .post import FrontMatter
from .yaml_read import load_yaml

REQUIRED = ("title", "date", "authors", "categories", "description")
OPTIONAL = ("series", "requires", "draft")
# Written by jupytext so the file opens as a notebook; not the post's business.
PASSTHROUGH = ("jupytext", "kernelspec")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Values quoted in messages are short: a YAML alias bomb must not take minutes to print.
_short = reprlib.Repr()  # Python 3.11: limits are attributes, not arguments
_short.maxlevel, _short.maxlist, _short.maxdict, _short.maxstring, _short.maxother = 2, 4, 4, 60, 60
short = _short.repr


def _lines(text: str) -> list[str]:
    """Lines split on '\n' only, as an editor numbers them."""
    lines = text.split("\n")
    return [l + "\n" for l in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def split(text: str, path: Path) -> tuple[str, str, int]:
    """Return (yaml text, body, line where the body starts)."""
    lines = _lines(text)
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
    except Exception:  # noqa: BLE001 - already loaded once; only line numbers are at stake
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 2 for k, _ in node.value  # +1 for '---', +1 one-based
            if isinstance(k, yaml.ScalarNode)}


def parse(yaml_text: str, path: Path, known_authors: set[str] | None = None) -> FrontMatter:
    data = load_yaml(yaml_text, path, 2, what="the front matter",
                     hint="check the indentation and quote values that contain ':'")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PostError("the front matter must be a mapping of keys to values", file=path, line=2,
                        hint="write one 'key: value' per line")
    lines = _key_lines(yaml_text)

    def fail(key: str, msg: str, hint: str) -> PostError:
        return PostError(f"front matter key '{key}': {msg}", file=path, line=lines.get(key, 2),
                         hint=hint)

    for key in data:
        if key not in REQUIRED + OPTIONAL + PASSTHROUGH:
            raise fail(short(key).strip("'"), "unknown key",
                       f"use one of {', '.join(REQUIRED + OPTIONAL)} (check the spelling)")
    for key in REQUIRED:
        if key not in data or data[key] is None or data[key] == "":
            raise PostError(f"front matter key '{key}' is missing", file=path,
                            line=lines.get(key, 2), hint=f"add '{key}:' to the front matter")
    if data["authors"] == [] or data["authors"] == ():
        raise PostError("'authors' is empty: name at least one id from site_src/blog/.authors.yml",
                        file=path, line=lines.get("authors", 2), hint="write e.g. 'authors: [folio]'")
    if data["categories"] == []:
        raise PostError("'categories' is empty: name at least one category", file=path,
                        line=lines.get("categories", 2),
                        hint="write e.g. 'categories: [Linear algebra]'")

    for key in ("title", "description"):
        if not isinstance(data[key], str):
            raise fail(key, f"expected text, got {type(data[key]).__name__}",
                       "write it as a string (quote it if it looks like a number or a date)")

    date = data["date"]
    if isinstance(date, str):
        # Quoted ISO dates keep the front matter JSON-serialisable, which Jupyter needs when
        # jupytext opens the post as a notebook and saves it.
        try:
            date = dt.datetime.fromisoformat(date.strip())
        except ValueError:
            pass
    if isinstance(date, dt.datetime):
        if date.tzinfo is not None:
            raise fail("date", f"a time zone is not supported, got {short(data['date'])}",
                       "write the local date and time without an offset, e.g. "
                       "\"2026-02-01 13:45:00\"")
        when = date
    elif isinstance(date, dt.date):
        when = dt.datetime(date.year, date.month, date.day)
    else:
        raise fail("date", f"expected a date, got {short(date)}",
                   "write an ISO date such as \"2026-02-01\" or \"2026-02-01 13:45:00\"")

    def str_list(key: str) -> tuple[str, ...]:
        value = data[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise fail(key, f"expected a list of names, got {short(value)}", f"write '{key}: [a, b]'")
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
        raise fail("requires", f"expected 'cpu' or 'gpu', got {short(requires)}",
                   "write 'requires: cpu' or 'requires: gpu'")
    series = data.get("series")
    if series is not None and not (isinstance(series, str) and SLUG.fullmatch(series)):
        raise fail("series", f"expected a slug such as 'frechet-derivatives', got {short(series)}",
                   "use lowercase words joined by '-'")
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        raise fail("draft", f"expected true or false, got {short(draft)}", "write 'draft: true'")
    return FrontMatter(title=data["title"], date=when, authors=authors, categories=categories,
                       description=data["description"].strip(), requires=requires, series=series,
                       draft=draft)
