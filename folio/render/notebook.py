"""The companion notebook: the post's current prose with its executed outputs, published beside
the post for download (a static file: the post page already shows the same cells rendered)."""

from __future__ import annotations

import re

import nbformat

from ..execute.result import ExecutionResult
from ..parse import EQ_REF, FENCE, GLUE_REF, _close, _options
from ..post import Post
from ..runtime.mimetypes import ATTACHMENT, FIGURE, GLUE
from . import citations
from .markdown import format_glue
from .outputs import INTERNAL, glue_values, merge_streams

DROP = INTERNAL | {FIGURE, ATTACHMENT}
POST_LINK = re.compile(r"\]\((?P<slug>[a-z0-9-]+)\.md(?P<frag>#[^)]*)?\)")


def _jupyter_markdown(source: str, post: Post, glue: dict) -> str:
    """Jupyter renders $$...$$ but not MyST {math} blocks or {eq} roles."""
    numbers = {e.label: e.number for e in post.equations}
    lines = source.splitlines(keepends=True)
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i].strip())
        if m and m["directive"] == "math":
            end = _close(lines, i + 1, m["fence"])
            _, start = _options(lines, i + 1)
            tex = "".join(lines[start:end]).strip()
            out.append(f"$$\n{tex}\n$$\n")
            i = end + 1
            continue
        out.append(EQ_REF.sub(lambda r: f"({numbers[r['label']]})", lines[i]))
        i += 1
    text = citations.plain("".join(out), citations.numbers(post))
    text = GLUE_REF.sub(lambda m: format_glue(glue[m["name"]], m["spec"]) if m["name"] in glue
                        else m.group(0), text)
    # Links to other posts are written relative to the post pages; point them there.
    return POST_LINK.sub(lambda m: f"](../../blog/{m['slug']}/{m['frag'] or ''})", text)


def companion(post: Post, result: ExecutionResult) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {post.meta.title}"))
    # Glued values go into the prose, formatted as on the page; the raw values are not shown
    # (their last digits may differ between machines, and the page never shows them).
    glue = glue_values(result.cells)
    for cell in post.cells:
        if cell.kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(_jupyter_markdown(cell.source, post, glue)))
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
