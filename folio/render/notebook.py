"""The companion notebook: the post's current prose with its executed outputs, published beside
the post for download (a static file: the post page already shows the same cells rendered)."""

from __future__ import annotations

import re


from ..execute.result import ExecutionResult
from ..blocks import paragraphs, scan
from ..post import Post
from ..runtime.mimetypes import ATTACHMENT, FIGURE, GLUE
from . import citations
from .markdown import resolve_roles
from .outputs import INTERNAL, glue_values, merge_streams

DROP = INTERNAL | {FIGURE, ATTACHMENT}
POST_LINK = re.compile(r"\]\((?P<slug>[a-z0-9-]+)\.md(?P<frag>#[^)]*)?\)")


def _jupyter_blocks(blocks, post: Post, glue: dict) -> str:
    """Jupyter renders $$...$$ but not MyST {math} blocks, admonitions or roles."""
    out = []
    for b in blocks:
        if b.kind == "text":
            out.extend(resolve_roles(text, line, post, glue, eq_ref=lambda _, n: f"({n})",
                                     keep_missing_glue=True)
                       for line, text in paragraphs(b))
        elif b.kind == "math":
            out.append(f"$$\n{b.body.strip()}\n$$\n")
        elif b.kind == "directive":
            # A blockquote with the admonition's title: what Jupyter shows of a note.
            title = (resolve_roles(b.arg, b.line, post, glue, eq_ref=lambda _, n: f"({n})",
                                   keep_missing_glue=True) if b.arg else
                     "Note" if b.name in ("admonition", "seealso") else b.name.capitalize())
            inner = _jupyter_blocks(b.children, post, glue).strip("\n")
            out.append(f"> **{title}**\n>\n" + "".join(f"> {l}" if l.strip() else ">\n"
                                                       for l in inner.splitlines(keepends=True))
                       + "\n\n")
        else:
            out.append(b.text if b.text.endswith("\n") else b.text + "\n")
    return "".join(out)


def _jupyter_markdown(cell, post: Post, glue: dict) -> str:
    blocks = cell.blocks or scan(cell.source, cell.line, post.path)  # a Cell made by hand
    text = citations.plain(_jupyter_blocks(blocks, post, glue).strip("\n"),
                           citations.numbers(post))
    # Links to other posts are written relative to the post pages; point them there.
    return POST_LINK.sub(lambda m: f"](../../blog/{m['slug']}/{m['frag'] or ''})", text)


def companion(post: Post, result: ExecutionResult) -> str:
    import nbformat  # not at the top: 0.15 s to import, and a no-op build needs none
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {post.meta.title}"))
    # Glued values go into the prose, formatted as on the page; the raw values are not shown
    # (their last digits may differ between machines, and the page never shows them).
    glue = glue_values(result.cells)
    for cell in post.cells:
        if cell.kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(_jupyter_markdown(cell, post, glue)))
            continue
        code = nbformat.v4.new_code_cell(cell.source, metadata={"tags": list(cell.tags)})
        outs = result.outputs_of(cell.number)
        kept = []
        for o in merge_streams(outs.outputs if outs else ()):
            data = o.get("data")
            if data is not None:
                if GLUE in data:
                    continue
                data = {k: v for k, v in data.items() if k not in DROP}
                if not data or set(data) == {"text/plain"} and str(data["text/plain"]).startswith("<"):
                    continue
                o = {**o, "data": data}
            kept.append(nbformat.from_dict(o))
        code.outputs = kept
        nb.cells.append(code)
    # Cell ids are random by default; number them so the file is the same bytes every build.
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"
    return nbformat.writes(nb)
