"""A code cell's outputs as Markdown, plus the files (figures, attachments) they become."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

from ..runtime.mimetypes import ATTACHMENT, CHECKS, FIGURE, GLUE, RUNINFO

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


def render_outputs(slug: str, number: int, outputs, out: Rendered) -> list[str]:
    parts: list[str] = []
    for k, o in enumerate(merge_streams(outputs)):
        kind = o.get("output_type")
        if kind == "stream":
            parts.append(_text_block(o.get("text", "")))
            continue
        if kind == "error":
            parts.append(_text_block(f"{o.get('ename')}: {o.get('evalue')}"))
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
    return parts
