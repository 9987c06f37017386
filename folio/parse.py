"""Read ``posts/<slug>/index.md`` into a Post: front matter, cells, labeled equations.

The body is MyST Markdown as jupytext writes it (``md:myst``): ``{code-cell}`` fences are code
cells, ``+++`` separates markdown cells, ``{math}`` fences with a ``:label:`` are display
equations. Every display equation must be labeled; inline ``$...$`` math is free.
"""

from __future__ import annotations

import re
from pathlib import Path


from . import frontmatter, yaml_fast
from .errors import PostError
from .post import Cell, Equation, Post

FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?:\{(?P<directive>[\w-]+)\})?\s*(?P<arg>.*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
LABEL = re.compile(r"eq-[a-z0-9]+(?:-[a-z0-9]+)*")
EQ_REF = re.compile(r"\{eq\}`(?P<label>[^`]+)`")
GLUE_REF = re.compile(r"\{glue\}`(?P<name>[A-Za-z_]\w*)(?::(?P<spec>[^`]*))?`")


def _options(lines: list[str], start: int) -> tuple[dict, int]:
    """Directive options after a fence: ':key: value' lines or a '---' YAML block."""
    opts: dict = {}
    i = start
    if i < len(lines) and lines[i].strip() == "---":
        j = i + 1
        while j < len(lines) and lines[j].strip() != "---":
            j += 1
        opts = yaml_fast.safe_load("".join(lines[i + 1:j])) or {}
        return opts, j + 1
    while i < len(lines):
        m = OPTION.match(lines[i].strip())
        if not m:
            break
        opts[m["key"]] = yaml_fast.safe_load(m["value"]) if m["value"] else True
        i += 1
    return opts, i


def _close(lines: list[str], start: int, fence: str) -> int:
    """Index of the closing fence line for a block opened with ``fence``."""
    for j in range(start, len(lines)):
        s = lines[j].strip()
        if s.startswith(fence[0] * len(fence)) and set(s) == {fence[0]}:
            return j
    return -1


def parse_body(body: str, first_line: int, path: Path) -> tuple[list[Cell], list[Equation]]:
    lines = body.splitlines(keepends=True)
    cells: list[Cell] = []
    equations: list[Equation] = []
    md: list[str] = []
    md_line = first_line
    code_number = 0

    def flush(next_line: int):
        nonlocal md, md_line
        text = "".join(md).strip("\n")
        if text.strip():
            lead = len("".join(md)) - len("".join(md).lstrip("\n"))
            cells.append(Cell("markdown", text, md_line + "".join(md)[:lead].count("\n")))
        md, md_line = [], next_line

    i = 0
    while i < len(lines):
        lineno = first_line + i
        raw = lines[i]
        stripped = raw.strip()
        m = FENCE.match(stripped)
        if m:
            end = _close(lines, i + 1, m["fence"])
            if end < 0:
                raise PostError(f"a ``` block opened here is never closed", file=path, line=lineno,
                                hint=f"add a closing {m['fence']} line")
            directive = m["directive"]
            if directive == "code-cell":
                flush(first_line + end + 1)
                opts, body_start = _options(lines, i + 1)
                tags = opts.get("tags", [])
                if isinstance(tags, str):
                    tags = [tags]
                code_number += 1
                cells.append(Cell("code", "".join(lines[body_start:end]).rstrip("\n"),
                                  first_line + body_start, tuple(tags), code_number,
                                  {k: v for k, v in opts.items() if k != "tags"}))
                i = end + 1
                continue
            if directive == "math":
                opts, body_start = _options(lines, i + 1)
                label = opts.get("label")
                if not label:
                    raise PostError("display equation without a label", file=path, line=lineno,
                                    hint="add ':label: eq-<name>' on the line after ```{math}, "
                                         "and register its code counterpart with "
                                         "@equation('eq-<name>')")
                if not LABEL.fullmatch(str(label)):
                    raise PostError(f"equation label {label!r} is not of the form eq-<name>",
                                    file=path, line=lineno + 1,
                                    hint="use lowercase letters, digits and '-', e.g. eq-det-gradient")
                if any(e.label == label for e in equations):
                    raise PostError(f"equation label {label!r} is used twice", file=path,
                                    line=lineno + 1, hint="give each display equation its own label")
                tex = "".join(lines[body_start:end]).strip()
                equations.append(Equation(str(label), tex, lineno, len(equations) + 1))
            md.extend(lines[i:end + 1])
            i = end + 1
            continue
        if stripped == "+++" or stripped.startswith("+++ "):
            flush(lineno + 1)
            i += 1
            continue
        if stripped.startswith("$$") or stripped.startswith(r"\begin{equation"):
            raise PostError("display equation without a label", file=path, line=lineno,
                            hint="write it as a ```{math} block with ':label: eq-<name>' so it "
                                 "can be numbered, referenced and checked against code")
        md.append(raw)
        i += 1
    flush(first_line + len(lines))
    return cells, equations


def check_references(cells: list[Cell], equations: list[Equation], path: Path) -> None:
    labels = {e.label for e in equations}
    for cell in cells:
        if cell.kind != "markdown":
            continue
        for offset, text in enumerate(cell.source.splitlines()):
            for m in EQ_REF.finditer(text):
                if m["label"] not in labels:
                    raise PostError(f"reference to unknown equation {m['label']!r}", file=path,
                                    line=cell.line + offset,
                                    hint=f"labels in this post: {', '.join(sorted(labels)) or 'none'}")


def read_post(path: Path, known_authors: set[str] | None = None) -> Post:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    yaml_text, body, first = frontmatter.split(text, path)
    meta = frontmatter.parse(yaml_text, path, known_authors)
    if "<!-- more -->" not in body:
        raise PostError("the post has no excerpt marker", file=path, line=first,
                        hint="put '<!-- more -->' on its own line after the first paragraph; "
                             "what comes before it is the excerpt on the blog index")
    cells, equations = parse_body(body, first, path)
    check_references(cells, equations, path)
    return Post(slug=path.parent.name, path=path, meta=meta, cells=tuple(cells),
                equations=tuple(equations))
