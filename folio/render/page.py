"""One post's page: front matter Material understands, its prose and outputs, series navigation."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..execute.result import ExecutionResult
from ..post import Post
from . import bundle, citations
from .markdown import render_markdown_cell
from .limits import limits_of
from .outputs import Rendered, glue_values, render_outputs

MORE = "<!-- more -->"


@dataclass(frozen=True)
class SeriesInfo:
    slug: str
    title: str
    posts: tuple[tuple[str, str], ...]  # (slug, title) in reading order

    def position(self, slug: str) -> int:
        return [s for s, _ in self.posts].index(slug)


def front_matter(post: Post) -> str:
    m = post.meta
    data = {"title": m.title, "date": m.date, "authors": list(m.authors),
            "categories": list(m.categories), "description": m.description, "slug": post.slug}
    if m.series:
        data["series"] = m.series
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True) + "---\n"


def series_box(post: Post, series: SeriesInfo) -> str:
    k = series.position(post.slug)
    return (f'!!! info "Part {k + 1} of {len(series.posts)} in the series '
            f'[{series.title}](../../series/{series.slug}.md)"\n')


def series_nav(post: Post, series: SeriesInfo) -> str:
    k = series.position(post.slug)
    links = []
    if k > 0:
        s, t = series.posts[k - 1]
        links.append(f"[← Previous: {t}]({s}.md)")
    if k + 1 < len(series.posts):
        s, t = series.posts[k + 1]
        links.append(f"[Next: {t} →]({s}.md)")
    return '<nav class="folio-series-nav" markdown="span">' + " · ".join(links) + "</nav>" if links else ""


def _cell_code(source: str, tags: tuple[str, ...]) -> str:
    block = f"```python\n{source}\n```"
    if "hide-input" in tags:
        return '??? example "Code"\n\n' + "\n".join(f"    {l}" if l else "" for l in block.splitlines())
    return block


def _gpu_note(outs) -> str:
    if outs.pending:
        return ('!!! warning "GPU results pending"\n\n    This cell needs a CUDA GPU and has not been '
                "run on one for its current code. Its results will appear here after a build on a "
                "GPU machine.")
    p = outs.frozen
    return (f'<p class="folio-frozen">Measured on {html.escape(str(p.get("device")))}, '
            f'{html.escape(str(p.get("date")))} (driver {p.get("driver")}, CUDA {p.get("cuda")}, '
            f'torch {p.get("torch")}, triton {p.get("triton")}); frozen results, source hash '
            f'<code>{p.get("source_hash")}</code>.</p>')


def render_post(post: Post, result: ExecutionResult, series: SeriesInfo | None,
                root: Path) -> Rendered:
    out = Rendered()
    glue = glue_values(result.cells)
    checks = None
    if result.checks.get("equations") is not None and not result.checks.get("error"):
        checks = {e["label"]: e for e in result.checks["equations"]}
    cites = citations.collect(post, root)
    body: list[str] = []
    for cell in post.cells:
        if cell.kind == "markdown":
            body.append(cites.substitute(render_markdown_cell(cell, post, glue, checks, root)))
            continue
        tags = cell.tags
        if "remove-cell" in tags:
            continue
        if "remove-input" not in tags:
            body.append(_cell_code(cell.source, tags))
        outs = result.outputs_of(cell.number)
        if outs is None:
            continue
        if outs.frozen or outs.pending:
            body.append(_gpu_note(outs))
        if "remove-output" not in tags:
            body.extend(render_outputs(post.slug, cell.number, outs.outputs, out,
                                       limits_of(cell, post)))

    text = "\n\n".join(b for b in body if b.strip())
    if series:
        box = series_box(post, series)
        text = text.replace(MORE, f"{MORE}\n\n{box}", 1) if MORE in text else f"{box}\n{text}"
    # No timings here: the page must be the same bytes on every build of the same inputs.
    footer = [cites.section(), f"---\n\n*This post's code ran on {html.escape(result.device)}. "
              f"{bundle.download_link(post)}*"]
    if series:
        footer.append(series_nav(post, series))
    page = (front_matter(post) + f"\n# {post.meta.title}\n\n" + text + "\n\n"
            + "\n\n".join(f for f in footer if f) + "\n")
    out.markdown.append(page)
    return out
