"""Series: posts sharing a ``series:`` key, ordered by date, with an index page per series."""

from __future__ import annotations

from pathlib import Path


from .. import yaml_fast
from ..post import Post
from .page import SeriesInfo


def load_titles(path: Path) -> dict[str, dict]:
    """``site_src/series.yml``: slug -> {title, description}. Missing file: titles from slugs."""
    if not path.is_file():
        return {}
    return yaml_fast.safe_load(path.read_text(encoding="utf-8")) or {}


def series_of(posts: list[Post], titles: dict[str, dict]) -> dict[str, SeriesInfo]:
    groups: dict[str, list[Post]] = {}
    for p in posts:
        if p.meta.series:
            groups.setdefault(p.meta.series, []).append(p)
    out = {}
    for slug, members in sorted(groups.items()):
        members.sort(key=lambda p: (p.meta.date, p.slug))
        title = titles.get(slug, {}).get("title") or slug.replace("-", " ").capitalize()
        out[slug] = SeriesInfo(slug, title, tuple((p.slug, p.meta.title) for p in members))
    return out


def series_page(info: SeriesInfo, titles: dict[str, dict], posts: dict[str, Post]) -> str:
    desc = titles.get(info.slug, {}).get("description", "")
    lines = [f"# {info.title}", ""]
    if desc:
        lines += [desc.strip(), ""]
    lines += [f"{len(info.posts)} posts, in reading order:", ""]
    for k, (slug, title) in enumerate(info.posts, 1):
        p = posts[slug]
        lines.append(f"{k}. [{title}](../blog/posts/{slug}.md) ({p.meta.date:%B %-d, %Y}): "
                     f"{p.meta.description}")
    return "\n".join(lines) + "\n"


def series_index(series: dict[str, SeriesInfo]) -> str:
    lines = ["# Series", ""]
    for info in series.values():
        lines.append(f"- [{info.title}]({info.slug}.md): {len(info.posts)} posts")
    return "\n".join(lines) + "\n"
