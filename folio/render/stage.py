"""The render stage: each executed post's page, companion notebook, figures, share card and zip,
its series pages, written only when their bytes change and skipped when their inputs did not
(render.memo). A post that fails to render is a failed post, and the rest of the site builds."""

from __future__ import annotations

import os

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Project
from ..console import say
from ..errors import FolioError
from ..execute.result import ExecutionResult
from ..post import Post
from . import citations, extras
from .files import remove_stale, write_if_changed
from .memo import RenderMemo, folio_code, render_key
from .outputs import output_warnings
from .series import load_titles, series_index, series_of, series_page

if TYPE_CHECKING:
    from ..pipeline import BuildResult


def render(project: Project, all_posts: list[Post], results: dict[str, ExecutionResult],
           result: BuildResult, *, prune: bool) -> None:
    """Render every post that executed; a post that fails to render (invalid TeX, a missing
    glued value) is a failed post: it is left out of the series, the listings and the feed
    like one whose code failed, and the rest of the site still builds."""
    titles = load_titles(project.docs_dir / "series.yml")
    # Posts not built this time (--only) keep the pages an earlier build wrote; one that has
    # none yet (a fresh clone) is left out of the site instead of linked to from nowhere.
    unbuilt = [p for p in all_posts if p.slug not in results]
    try:  # one listing, not a look per post (500 of them)
        pages = set(os.listdir(project.generated_posts)) if unbuilt else set()
    except OSError:
        pages = set()
    missing = {p.slug for p in unbuilt if f"{p.slug}.md" not in pages}
    if missing:
        listed = sorted(missing)
        result.warnings.append(
            f"{len(missing)} post(s) not built this time have no page yet ({', '.join(listed[:5])}"
            f"{', ...' if len(missing) > 5 else ''}), so the site leaves them out; run a full "
            "`folio build` once to include them")
    memo, code = RenderMemo(project.build_dir / "render.json", project.root), folio_code()
    failed: set[str] = set(missing)
    done: dict = {}  # (slug, render key) -> what _render_posts found, kept across passes
    while True:
        # Failed posts, and posts with no page, have none on the site.
        on_site = [p for p in all_posts if (p.slug not in results or results[p.slug].ok)
                   and p.slug not in failed]
        series = series_of(on_site, titles)
        pages, newly_failed = _render_posts(project, on_site, results, series, memo, code, done)
        if not newly_failed:
            break
        # A failed post changes its series' numbering and navigation: render its series again.
        for slug, exc in newly_failed.items():
            failed.add(slug)
            results[slug] = replace(results[slug], status="failed", error=exc)
            result.problems.append(exc.render())
    written: set[Path] = set()
    figure_files: set[Path] = set()
    for post in on_site:
        if post.slug not in pages:
            continue
        files = _write_rendered(project, post, pages[post.slug], results[post.slug], memo, result)
        page, nb, *figures = files
        written.update(files)  # the share card and the zip too, so pruning keeps them
        result.warnings.extend(citations.lint(post, project.root))
        figure_files.update(figures)
        result.warnings.extend(output_warnings(post, results[post.slug]))
    memo.save()
    posts_by_slug = {p.slug: p for p in on_site}
    for info in series.values():
        page = project.generated_series / f"{info.slug}.md"
        write_if_changed(page, series_page(info, titles, posts_by_slug))
        written.add(page)
    index = project.generated_series / "index.md"
    write_if_changed(index, series_index(series))
    written.add(index)
    if prune:
        for d in (project.generated_posts, project.generated_notebooks, project.generated_series,
                  *extras.dirs(project)):
            for p in remove_stale(d, written):
                say(f"  removed {p.relative_to(project.root)} (no post of that name on the site)")
        for slug_dir in project.figures_dir.glob("*") if project.figures_dir.is_dir() else []:
            if slug_dir.name in results and results[slug_dir.name].ok:
                remove_stale(slug_dir, figure_files)


def _render_posts(project: Project, on_site: list[Post], results: dict[str, ExecutionResult],
                  series: dict, memo: RenderMemo, code: str, done: dict):
    """For each executed post: its render key and either the files a memo hit names (paths)
    or its files rendered now, in memory (path -> data). And the posts that failed to render,
    with their errors. ``done`` keeps what earlier passes rendered, by render key."""
    pages, failed = {}, {}
    for post in on_site:
        if post.slug not in results:
            continue
        info = series.get(post.meta.series) if post.meta.series else None
        # extras.digest: what the share card and the zip depend on beyond the page's inputs.
        key = render_key(post, results[post.slug], info, code + extras.digest(project, post),
                         project.root)
        if (post.slug, key) not in done:
            files = memo.files(post.slug, key)
            if files is None:
                try:
                    files = _render_one(project, post, results[post.slug], info)
                except FolioError as exc:
                    failed[post.slug] = exc
                    continue
            done[post.slug, key] = files
        pages[post.slug] = (key, done[post.slug, key])
    return pages, failed


def _write_rendered(project: Project, post: Post, rendered, executed: ExecutionResult,
                    memo: RenderMemo, result: BuildResult) -> list[Path]:
    """The post's files, [page, notebook, *figures, card, zip], written if rendered in this
    build."""
    key, files = rendered
    if isinstance(files, dict):
        for path, data in files.items():
            write_if_changed(path, data)
        files = list(files) + extras.write(project, post, executed)  # share card, zip
        memo.put(post.slug, key, files)
        result.rendered.append(post.slug)
    return files


def _render_one(project: Project, post: Post, result: ExecutionResult, series) -> dict[Path, bytes | str]:
    """One post's page, companion notebook and figures, in memory: {page, notebook, *figures}."""
    from .notebook import companion  # the renderers (and TeX to MathML): on first use
    from .page import render_post

    rendered = render_post(post, result, series, project.root)
    files: dict[Path, bytes | str] = {
        project.generated_posts / f"{post.slug}.md": rendered.markdown[0],
        project.generated_notebooks / f"{post.slug}.ipynb": companion(post, result)}
    files.update({project.root / rel: data for rel, data in rendered.files.items()})
    return files
