"""MyST in a post's prose, turned into what Material's Markdown understands."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import PostError
from ..parse import EQ_REF, FENCE, GLUE_REF, _close, _options
from ..post import Cell, Post
from .marks import equation_block
from .mathml import MathError

ADMONITIONS = {"note", "tip", "warning", "important", "caution", "seealso", "admonition"}


def format_glue(value, spec: str | None) -> str:
    if spec:
        return format(value, spec)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _inline(text: str, line: int, post: Post, glue: dict) -> str:
    numbers = {e.label: e.number for e in post.equations}

    def eq(m):
        return f"[({numbers[m['label']]})](#{m['label']})"

    def gl(m):
        name, spec = m["name"], m["spec"]
        if name not in glue:
            raise PostError(f"{{glue}}`{name}` refers to a value the code never glued",
                            file=post.path, line=line,
                            hint=f"call glue({name!r}, value) in a code cell "
                                 f"(glued in this post: {', '.join(sorted(glue)) or 'nothing'})")
        try:
            return format_glue(glue[name], spec)
        except (ValueError, TypeError) as exc:
            raise PostError(f"{{glue}}`{name}:{spec}`: cannot format {glue[name]!r} ({exc})",
                            file=post.path, line=line, hint="use a Python format spec such as .2f") from None

    return GLUE_REF.sub(gl, EQ_REF.sub(eq, text))


def render_markdown_cell(cell: Cell, post: Post, glue: dict, checks: dict[str, dict] | None,
                         root: Path) -> str:
    """``checks`` maps label to its result; None when the post's checks did not run."""
    lines = cell.source.splitlines(keepends=True)
    equations = {e.line: e for e in post.equations}
    out: list[str] = []
    i = 0
    while i < len(lines):
        lineno = cell.line + i
        m = FENCE.match(lines[i].strip())
        if not m:
            out.append(_inline(lines[i], lineno, post, glue))
            i += 1
            continue
        end = _close(lines, i + 1, m["fence"])
        directive = m["directive"]
        if directive == "math":
            eq = equations[lineno]
            try:
                block = equation_block(eq, None if checks is None else checks.get(eq.label), root)
            except MathError as exc:
                raise PostError(str(exc), file=post.path, line=lineno,
                                hint="simplify the TeX (see docs/writing-posts.md for what renders)") from None
            out.append(f"\n{block}\n\n")
        elif directive in ADMONITIONS:
            opts, body_start = _options(lines, i + 1)
            kind = "note" if directive in ("admonition", "seealso") else directive
            title = f' "{m["arg"].strip()}"' if m["arg"].strip() else ""
            body = "".join(_inline(l, cell.line + body_start + k, post, glue)
                           for k, l in enumerate(lines[body_start:end]))
            out.append(f"!!! {kind}{title}\n\n" + "".join(f"    {l}" if l.strip() else "\n"
                                                         for l in body.splitlines(keepends=True)) + "\n")
        else:
            out.extend(lines[i:end + 1])
        i = end + 1
    return "".join(out).strip("\n")
