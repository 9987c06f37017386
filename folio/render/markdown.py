"""MyST in a post's prose, turned into what Material's Markdown understands. Walks the blocks
``folio.parse`` made of each markdown cell; it does not scan the prose again."""

from __future__ import annotations

import html
from pathlib import Path

from .. import inline
from ..blocks import Block, paragraphs, scan
from ..errors import PostError
from ..inline import GLUE_BODY
from ..post import Cell, Post
from .marks import equation_block
from .mathml import MathError


def format_glue(value, spec: str | None) -> str:
    if spec:
        return format(value, spec)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def resolve_roles(text: str, first_line: int, post: Post, glue: dict, *, eq_ref,
                  keep_missing_glue: bool = False) -> str:
    """``text`` (one paragraph, starting on line ``first_line``) with its {eq} and {glue} roles
    replaced: ``eq_ref(label, number)`` writes a reference; a name never glued is an error,
    or left as written with ``keep_missing_glue``."""
    numbers = {e.label: e.number for e in post.equations}

    def replace(t: inline.Token):
        line = inline.line_at(text, t.start, first_line)
        if t.name == "eq":
            if t.body not in numbers:  # checked when the post was read; a Post made by hand
                raise PostError(f"reference to unknown equation {t.body!r}", file=post.path,
                                line=line)
            return eq_ref(t.body, numbers[t.body])
        if t.name != "glue":
            return None
        m = GLUE_BODY.fullmatch(t.body)
        if m is None:
            raise PostError(f"{{glue}}`{t.body}` is not a glued name", file=post.path, line=line)
        name, spec = m["name"], m["spec"]
        if name not in glue:
            if keep_missing_glue:
                return None
            raise PostError(f"{{glue}}`{name}` refers to a value the code never glued",
                            file=post.path, line=line,
                            hint=f"call glue({name!r}, value) in a code cell "
                                 f"(glued in this post: {', '.join(sorted(glue)) or 'nothing'})")
        try:
            return format_glue(glue[name], spec)
        except Exception as exc:  # noqa: BLE001 - a format spec or a value's __format__, any error
            raise PostError(f"{{glue}}`{name}:{spec}`: cannot format {str(glue[name])[:60]!r} "
                            f"({type(exc).__name__}: {exc})", file=post.path, line=line,
                            hint="use a Python format spec such as .2f") from None

    return inline.substitute(text, replace)


def _page_ref(label: str, number: int) -> str:
    return f"[({number})](#{label})"


def render_blocks(blocks, post: Post, glue: dict, checks: dict[str, dict] | None,
                  root: Path) -> str:
    equations = {e.label: e for e in post.equations}
    out: list[str] = []
    for b in blocks:
        if b.kind == "text":
            out.extend(resolve_roles(text, line, post, glue, eq_ref=_page_ref)
                       for line, text in paragraphs(b))
        elif b.kind == "math":
            eq = equations[b.label]
            try:
                block = equation_block(eq, None if checks is None else checks.get(eq.label), root)
            except MathError as exc:
                raise PostError(str(exc), file=post.path, line=b.line,
                                hint="simplify the TeX (see docs/writing-posts.md for what "
                                     "renders)") from None
            out.append(f"\n{block}\n\n")
        elif b.kind == "directive":
            out.append(_admonition(b, post, glue, checks, root))
        else:  # a plain fence, shown as written
            out.append(b.text if b.text.endswith("\n") else b.text + "\n")
    return "".join(out)


def _admonition(b: Block, post: Post, glue, checks, root) -> str:
    """Material's admonition as HTML with Markdown inside (md_in_html): an equation block in
    it stays raw HTML, which the indented ``!!! note`` form would wrap in a paragraph."""
    kind = "note" if b.name in ("admonition", "seealso") else b.name
    title = resolve_roles(b.arg, b.line, post, glue, eq_ref=_page_ref) if b.arg else kind.capitalize()
    body = render_blocks(b.children, post, glue, checks, root).strip("\n")
    return (f'\n<div class="admonition {kind}" markdown="block">\n'
            f'<p class="admonition-title" markdown="span">{html.escape(title, quote=False)}</p>\n\n'
            f"{body}\n\n</div>\n\n")


def render_markdown_cell(cell: Cell, post: Post, glue: dict, checks: dict[str, dict] | None,
                         root: Path) -> str:
    """``checks`` maps label to its result; None when the post's checks did not run."""
    blocks = cell.blocks or scan(cell.source, cell.line, post.path)  # a Cell made by hand
    return render_blocks(blocks, post, glue, checks, root).strip("\n")
