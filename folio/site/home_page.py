"""The home page as a blog front page: the latest posts (Material's own excerpt cards: title,
date, categories, reading time, excerpt), the series and the feed. Filled in by the folio plugin
for a page whose front matter says ``template: home.html`` (site_src/index.md)."""

from __future__ import annotations

from pathlib import Path

from .. import yaml_fast

LATEST = 5


def blog_plugin(config):
    return next((p for name, p in config.plugins.items() if name.endswith("blog")), None)


def home_context(page, config) -> dict:
    """``posts``: the newest posts' excerpts rendered for this page; ``series``: each series'
    slug, title, description and number of posts."""
    blog = blog_plugin(config)
    if blog is None:
        return {"posts": [], "series": []}
    posts = [p for p in blog.blog.posts if getattr(p, "excerpt", None)][:LATEST]
    for post in posts:
        # The excerpts are shared with the blog's listings, which render them again for their
        # own page: links in an excerpt resolve against the page it is rendered for.
        post.excerpt.render(page, blog.config.post_excerpt_separator)
    titles_file = Path(config["docs_dir"]) / "series.yml"
    titles = yaml_fast.safe_load(titles_file.read_text(encoding="utf-8")) or {} if titles_file.is_file() else {}
    counts: dict[str, int] = {}
    for post in blog.blog.posts:
        if post.meta.get("series"):
            counts[post.meta["series"]] = counts.get(post.meta["series"], 0) + 1
    series = [{"slug": s, "title": (titles.get(s) or {}).get("title") or s.replace("-", " ").capitalize(),
               "description": (titles.get(s) or {}).get("description", ""), "count": n}
              for s, n in sorted(counts.items())]
    return {"posts": [p.excerpt for p in posts], "series": series, "total": len(blog.blog.posts)}
