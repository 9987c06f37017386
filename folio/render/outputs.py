"""A code cell's outputs as Markdown, plus the files (figures, attachments) they become."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

from ..execute.result import ExecutionResult
from ..post import Post
from ..runtime.mimetypes import ATTACHMENT, CHECKS, FIGURE, GLUE, RUNINFO
from .limits import Budget, Limits, limits_of, size

FROM_PAGE = "../../"  # from site_src/blog/posts/<slug>.md to the docs root
RASTERS = "build/figure-raster"
INTERNAL = {GLUE, CHECKS, RUNINFO}


@dataclass
class Rendered:
    """What rendering a post produces: its page, and files keyed by path under the repo root."""

    markdown: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    figures: int = 0


def glue_values(cells) -> dict:
    values = {}
    for c in cells:
        for out in c.outputs:
            data = out.get("data", {})
            if GLUE in data:
                values[data[GLUE]["name"]] = data[GLUE]["value"]
    return values


def _text_block(text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _figure(slug: str, fig: dict, out: Rendered) -> str:
    out.figures += 1
    n = out.figures
    base = f"figures/{slug}/{fig['name']}"
    out.files[f"{base}-light.svg"] = fig["light"].encode("utf-8")
    out.files[f"{base}-dark.svg"] = fig["dark"].encode("utf-8")
    # matplotlib's own raster of each variant, for tests/test_figures_render.py (not published).
    for scheme, png in (fig.get("raster") or {}).items():
        out.files[f"{RASTERS}/{slug}/{fig['name']}-{scheme}.png"] = base64.b64decode(png)
    alt = html.escape(fig["alt"], quote=True)
    size = f'width="{fig["width"]}" height="{fig["height"]}"'
    # Only the first light figure loads eagerly (it may be the largest paint); the rest, and every
    # dark variant (hidden until the reader switches scheme), load when they come into view.
    def lazy(scheme):
        return "" if n == 1 and scheme == "light" else ' loading="lazy"'
    imgs = "\n".join(
        f"  ![{alt}]({FROM_PAGE}{base}-{scheme}.svg#only-{scheme}){{ {size}{lazy(scheme)} }}"
        for scheme in ("light", "dark"))
    return (f'<figure class="folio-figure" id="fig-{fig["name"]}" markdown="span">\n{imgs}\n'
            f"  <figcaption>Figure {n}. {html.escape(fig['caption'])}</figcaption>\n</figure>")


def _attachment(slug: str, att: dict, out: Rendered) -> str:
    path = f"figures/{slug}/{att['name']}"
    out.files[path] = base64.b64decode(att["base64"])
    kb = att["size"] / 1024
    return (f'<p class="folio-attachment">Download: <a href="{FROM_PAGE}{path}" download>'
            f"{html.escape(att['name'])}</a> ({kb:.0f} KB): {html.escape(att['caption'])}</p>")


def _image(slug: str, number: int, k: int, mime: str, data, out: Rendered) -> str:
    out.figures += 1
    ext = "png" if mime == "image/png" else "svg"
    path = f"figures/{slug}/cell{number}-{k}.{ext}"
    out.files[path] = base64.b64decode(data) if ext == "png" else (
        "".join(data) if isinstance(data, list) else data).encode("utf-8")
    return f"![Output of code cell {number}]({FROM_PAGE}{path})"


def merge_streams(outputs) -> list:
    """print() calls reach the notebook as several stream chunks, split where the timing of the
    kernel happened to split them: join them into one block, the same on every build."""
    merged: list = []
    for o in outputs:
        prev = merged[-1] if merged else None
        if (prev is not None and o.get("output_type") == "stream" and prev.get("output_type") == "stream"
                and prev.get("name") == o.get("name")):
            merged[-1] = {**prev, "text": prev.get("text", "") + o.get("text", "")}
        else:
            merged.append(o)
    return merged


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def cap(outputs, limits: Limits) -> tuple[list, Budget]:
    """The (merged) outputs of one cell as its page shows them: their text within the cell's
    limits, cut where they run out (see ``limits``). Figures and images are not text."""
    budget = Budget(limits)
    shown = []
    for o in outputs:
        kind = o.get("output_type")
        if kind == "stream":
            text = budget.text(_joined(o.get("text", "")))
            if text:
                shown.append({**o, "text": text})
            continue
        if kind == "error":
            text = budget.text(f"{o.get('ename')}: {o.get('evalue')}")
            if text:
                shown.append({**o, "ename": None, "evalue": text})
            continue
        data = o.get("data", {})
        if INTERNAL & data.keys() or {FIGURE, ATTACHMENT, "image/svg+xml", "image/png"} & data.keys():
            shown.append(o)
            continue
        data = dict(data)
        for rich in ("text/html", "text/markdown"):
            if rich in data:
                if budget.whole(_joined(data[rich])):
                    break
                body = data.pop(rich)
                if "text/plain" not in data and not ({"text/html", "text/markdown"} & data.keys()):
                    budget.drop(_joined(body))
        else:
            if "text/plain" in data:
                text = budget.text(_joined(data["text/plain"]))
                if not text:
                    continue
                data["text/plain"] = text
        if data:
            shown.append({**o, "data": data})
    return shown, budget


def render_outputs(slug: str, number: int, outputs, out: Rendered,
                   limits: Limits = Limits()) -> list[str]:
    parts: list[str] = []
    outputs, budget = cap(merge_streams(outputs), limits)
    for k, o in enumerate(outputs):
        kind = o.get("output_type")
        if kind == "stream":
            parts.append(_text_block(o.get("text", "")))
            continue
        if kind == "error":
            head = f"{o['ename']}: " if o.get("ename") else ""
            parts.append(_text_block(f"{head}{o.get('evalue')}"))
            continue
        data = o.get("data", {})
        if INTERNAL & data.keys():
            continue
        if FIGURE in data:
            parts.append(_figure(slug, data[FIGURE], out))
        elif ATTACHMENT in data:
            parts.append(_attachment(slug, data[ATTACHMENT], out))
        elif "image/svg+xml" in data or "image/png" in data:
            mime = "image/svg+xml" if "image/svg+xml" in data else "image/png"
            parts.append(_image(slug, number, k, mime, data[mime], out))
        elif "text/html" in data:
            body = data["text/html"]
            body = "".join(body) if isinstance(body, list) else body
            parts.append(f'<div class="folio-output">\n{body.strip()}\n</div>')
        elif "text/markdown" in data:
            body = data["text/markdown"]
            parts.append("".join(body) if isinstance(body, list) else body)
        elif "text/plain" in data:
            body = data["text/plain"]
            parts.append(_text_block("".join(body) if isinstance(body, list) else body))
    if budget.cut:
        parts.append(f'<p class="folio-output-cut" markdown="span">{budget.note()} The full '
                     f"output is in [the Jupyter notebook]({FROM_PAGE}notebooks/{slug}.ipynb)"
                     "{ download }.</p>")
    return parts


def output_warnings(post: Post, result: ExecutionResult) -> list[str]:
    """One warning per cell whose output the page cuts, naming the post and the cell."""
    warnings = []
    for cell in post.code_cells:
        outs = result.outputs_of(cell.number)
        if outs is None or "remove-output" in cell.tags:
            continue
        _, budget = cap(merge_streams(outs.outputs), limits_of(cell, post))
        if budget.cut:
            warnings.append(
                f"{post.path}:{cell.line}: code cell {cell.number} printed {budget.total_lines:,} "
                f"lines ({size(budget.total_bytes)}); its page shows "
                f"{budget.total_lines - budget.cut_lines:,} of them "
                f"({size(budget.total_bytes - budget.cut_bytes)}), and says so; the notebook "
                f"download has all of it. Print less, or set ':output-lines: N' or "
                f"':output-bytes: N' in the cell's options to show more")
    return warnings
