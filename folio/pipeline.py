"""``folio build``: one straight line through the stages.

    read posts -> execute (cached) -> render pages -> report -> mkdocs

Each stage is its own module taking plain data and returning plain data; rendering never
executes, so a prose edit re-renders from the cache without starting a kernel.
"""

from __future__ import annotations

import errno
import json
import os
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import report as report_mod
from .execute.ahead import RECORD as CODE_RECORD, WarmKernel, record_code
from .execute.cache import Cache
from .config import PostFolder, Project
from .console import say, summary_line
from .errors import FolioError
from .filehash import save_all as save_file_hashes
from .execute.device import detect
from .execute.cachekey import key_of
from .execute.kernel import ExecContext, execute_post, post_key_parts, wait_for_shutdowns
from .execute.pool import Progress, run_all
from .execute.result import ExecutionResult
from .execute.static import nothing_to_run, prose_result
from .lock import build_lock
from .options import BuildOptions
from .parse import read_post
from .parse_memo import ParseMemo
from .post import Post
from .render.files import remove_partial_writes, write_atomic, write_if_changed
from .render.stage import render
from .runtime.budget import figure_warnings
from .site.build import (SiteBuild, site_inputs, site_is_current, site_state,
                         stamp_is_recorded, start_site, write_sources_stamp)
from .verify.findings import equation_findings
from .verify.stage import analyse_posts


@dataclass
class BuildResult:
    results: dict[str, ExecutionResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # errors: the exit code is 1
    warnings: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)  # posts whose pages were rendered anew
    equation_summary: str = ""  # "k of n equations verified, ..." as the last line says
    site_built: bool = False
    site_patched: int = 0  # pages the site build patched in place (see site.patch), not rebuilt

    @property
    def ok(self) -> bool:
        return not self.problems


def read_posts(project: Project, only: tuple[str, ...], result: BuildResult,
               folders: list[PostFolder] | None = None) -> list[Post]:
    """Every post that parses (drafts left out). A post that does not is an error naming its
    line, or, under --only, a warning when it is not one of the posts asked for. ``folders``:
    ``project.post_folders()``, if the caller has them."""
    try:
        authors = project.known_authors()
    except FolioError as exc:  # the posts are still read, without the author check
        result.problems.append(exc.render())
        authors = None
    posts = []
    memo = ParseMemo(project.build_dir / "parse.pickle", authors, project.lock_file)
    for folder in folders if folders is not None else project.post_folders():
        try:
            posts.append(memo.read(folder.index, lambda p: read_post(p, authors), folder))
        except FolioError as exc:
            in_scope = not only or folder.index.parent.name in only
            (result.problems if in_scope else result.warnings).append(exc.render())
    memo.save()
    return [p for p in posts if not p.meta.draft]


def _previous_seconds(project: Project) -> dict[str, float]:
    try:
        report = json.loads(project.report_file.read_text(encoding="utf-8"))
        return {p["slug"]: p["seconds"] for p in report["posts"]}
    except (OSError, ValueError, KeyError):
        return {}


def execute(project: Project, posts: list[Post], opts: BuildOptions, *,
            cache_only: bool = False, warm: WarmKernel | None = None) -> dict[str, ExecutionResult]:
    """``cache_only``: take what the cache has and run nothing (a post it lacks is left out).
    ``warm``: a kernel started ahead, for the first post that runs."""
    device = detect()
    jobs = max(1, min(opts.jobs, len(posts) or 1))
    ctx = ExecContext(root=project.root, cache=Cache(project.cache_dir),
                      figures_dir=project.figures_dir, lock_file=project.lock_file,
                      device=device, timeout=opts.timeout, warm=warm)
    if cache_only:
        found = (prose_result(p) if nothing_to_run(p) else execute_post(p, ctx, cache_only=True)
                 for p in posts)
        return {r.slug: r for r in found if r is not None}
    # A post with nothing to run (prose only) starts no kernel, uses no cache entry and no
    # worker thread.
    prose = {p.slug: prose_result(p) for p in posts if nothing_to_run(p)}
    rest = [p for p in posts if p.slug not in prose]
    if prose:
        say(f"  {len(prose)} post(s) with no code to run")
    # The posts that will run go first (the slowest first), the cache's hits after: a code
    # edit's post does not wait for ten cached notebooks to be read.
    parts = {p.slug: post_key_parts(p, ctx) for p in rest}
    expected = _previous_seconds(project)
    for p in rest:
        if p.slug not in opts.force and ctx.cache.has(key_of(parts[p.slug])):
            expected[p.slug] = -1.0
    run = lambda p: execute_post(p, ctx, force=p.slug in opts.force, parts=parts[p.slug])  # noqa: E731
    ran = run_all(rest, run, jobs=jobs, expected_seconds=expected,
                  progress=Progress(len(rest))) if rest else {}
    return {**prose, **ran}


def mutate(project: Project, posts: list[Post], results: dict[str, ExecutionResult],
           opts: BuildOptions, *, cache_only: bool = False) -> dict[str, ExecutionResult]:
    """Mutation analysis of every equation whose checks passed, attached to its equation's
    record as ``mutation`` (and the post's as ``checks["mutation_error"]``)."""
    todo = []
    for post in posts:
        r = results.get(post.slug)
        if r is None or not r.ok or not r.checks or r.checks.get("error"):
            continue
        # Every displayed label: the worker itself skips those whose checks do not pass, so the
        # key depends on the inputs alone.
        todo.append((post, [e.label for e in post.equations]))
    found = analyse_posts(todo, root=project.root, lock_file=project.lock_file,
                          cache_dir=project.cache_dir / "mutants", jobs=opts.jobs,
                          expected={s: r.seconds for s, r in results.items()},
                          cache_only=cache_only)
    ran = [m for m in found.values() if m.ran and m.data.get("labels")]
    if ran:
        say(f"folio: mutation analysis of {len(ran)} post(s): "
            + ", ".join(f"{m.slug} {m.seconds:.1f}s" for m in ran))
    out = dict(results)
    for slug, m in found.items():
        by_label = {d["label"]: d for d in m.data.get("labels", [])}
        checks = dict(results[slug].checks)
        checks["equations"] = [{**e, "mutation": by_label[e["label"]]} if e["label"] in by_label
                               else e for e in checks.get("equations", [])]
        if m.data.get("error"):
            checks["mutation_error"] = m.data["error"]
        out[slug] = replace(results[slug], checks=checks)
    return out


def gate(results: dict[str, ExecutionResult], opts: BuildOptions, result: BuildResult) -> None:
    """Failed posts are errors, and so is an equation whose check ran and failed (the equation
    or its code is wrong; the page still shows the failure). Unfinished or weak checks
    (no counterpart or check, only consistent, surviving mutants) and pending GPU results are
    warnings, errors under --strict (see ``verify.findings``)."""
    for slug, r in sorted(results.items()):
        if r.error:
            result.problems.append(r.error.render())
            continue
        checks = r.checks or {}
        if checks.get("error"):
            result.problems.append(f"posts/{slug}: its modules could not be imported for the "
                                   f"equation checks: {checks['error']}")
        for f in equation_findings(slug, checks):
            strict = f.severity == "error" or (f.severity == "strict" and opts.strict)
            (result.problems if strict else result.warnings).append(f.message)
        result.warnings.extend(figure_warnings(slug, r.cells))
        if r.gpu_pending:
            msg = (f"posts/{slug}: {r.gpu_pending} GPU cell(s) have no frozen results for their "
                   "current code; build on a machine with CUDA to produce them")
            (result.problems if opts.strict else result.warnings).append(msg)


def build(project: Project, opts: BuildOptions, *, site: SiteBuild | None = None,
          site_checked: bool = False, warm: WarmKernel | None = None) -> BuildResult:
    """``site``: mkdocs already started by the caller (see ``start_site``); else, unless the
    caller found it need not be (``site_checked``), started here when the site may need
    rebuilding. ``warm``: a kernel the caller started ahead (see execute.ahead), shut down
    at the end unless a post took it. One build at a time holds ``build/.lock``; a file that
    cannot be written (a full disk, a read-only ``build/``) stops the build with a FolioError
    naming it, and the cache keeps every post that finished."""
    try:
        with build_lock(project.build_dir):
            if site is None and not site_checked:
                site = start_site(project, opts.site)
            # What builds killed mid-write left; no other build is writing (we hold the lock).
            Cache(project.cache_dir).remove_partial()
            out = project.build_dir
            remove_partial_writes([*out.glob("*"), *(out / "site-memo").glob("*"),
                                   *_files_under(project.docs_dir), *_files_under(project.figures_dir)])
            try:
                return _build(project, opts, site, warm)
            finally:
                save_file_hashes()
    except OSError as exc:
        raise storage_error(exc, project) from None
    finally:
        if site and site.proc.returncode is None:
            site.cancel()
        if warm is not None:
            warm.close()
        wait_for_shutdowns()


def _files_under(folder: Path):
    """The files under ``folder``, as path strings (at 500 posts, Path objects of its 2,000 files
    were most of the time)."""
    for top, _, names in os.walk(folder):
        for name in names:
            yield os.path.join(top, name)


def storage_error(exc: OSError, project: Project) -> FolioError:
    """An OSError from reading or writing the project's files, as a message a person can act on."""
    where = exc.filename or project.build_dir
    what = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "free some disk space (or raise the quota) and build again"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        hint = (f"make {project.build_dir.name}/ and site_src/ writable (or build in a checkout "
                "you can write to) and build again")
    else:
        hint = "fix what the message says and build again"
    return FolioError(f"the build stopped: {what}", file=where, hint=(
        hint + "; every post that finished before is still in the cache, and no half-written "
        "file was left in its place"))


def _build(project: Project, opts: BuildOptions, site: SiteBuild | None,
           warm: WarmKernel | None = None) -> BuildResult:
    result = BuildResult()
    t0 = time.perf_counter()

    # 1. Read every post; a malformed one is reported, the rest go on with --keep-going.
    #    All posts are read even with --only: series navigation needs the whole series.
    folders = project.post_folders()
    slugs = {f.index.parent.name for f in folders}
    every = read_posts(project, opts.only, result, folders)
    for slug in sorted(set(opts.only) - slugs):
        result.problems.append(f"no post named {slug!r} (looked for posts/{slug}/index.md)")
    posts = [p for p in every if not opts.only or p.slug in opts.only]
    if result.problems and not opts.keep_going:
        return _finish(result, t0)

    # 2. Execute, in parallel, from the cache where the key matches.
    say(f"folio: {len(posts)} post(s), {opts.jobs} at a time")
    result.results = execute(project, posts, opts, warm=warm)
    if warm is not None or any(r.kernels_started for r in result.results.values()) or not (
            project.build_dir / CODE_RECORD).is_file():
        record_code(project)  # for the next build's choice to start a kernel ahead

    # 2b. Do the checks catch altered versions of each counterpart? (cached like execution)
    result.results = mutate(project, posts, result.results, opts)
    gate(result.results, opts, result)
    failed = [s for s, r in result.results.items() if not r.ok]
    if failed and not opts.keep_going:
        _write_report(project, result, slugs)
        return _finish(result, t0)

    # 3. Render pages, figures, companion notebooks and series pages (no execution here).
    #    Under --only, a post with no page yet (a fresh clone with a copied cache) is rendered
    #    from the cache if it has the post, so no page links to a missing one.
    shown = dict(result.results)
    if opts.only:
        pageless = [p for p in every if p.slug not in shown
                    and not (project.generated_posts / f"{p.slug}.md").is_file()]
        cached = execute(project, pageless, opts, cache_only=True)
        shown.update(mutate(project, pageless, cached, opts, cache_only=True))
    render(project, every, shown, result, prune=not opts.only)
    result.results = {s: shown[s] for s in result.results}  # a post that failed to render

    # 4. The report, as data and as a page.
    report = _write_report(project, result, slugs)
    write_if_changed(project.report_page, report_mod.page(report))
    if any(not r.ok for r in result.results.values()) and not opts.keep_going:
        return _finish(result, t0)  # a post failed to render: as for one that failed to run

    # 5. Publish with mkdocs, unless the site was built from exactly these inputs already.
    stamp, listings = site_state(project) if opts.site else (None, None)
    inputs = (site_inputs(project, listings)
              if opts.site and not stamp_is_recorded(project, stamp) else None)
    if opts.site and site_is_current(project, stamp, inputs):
        result.site_built = True
        write_sources_stamp(project, stamp)
        say("folio: site is up to date (its inputs have not changed)")
    elif opts.site:
        t_site = time.perf_counter()
        try:
            log = (site or SiteBuild(project)).run(stamp, inputs)
            result.site_built = True
            theme = re.search(r"folio: (\d+ of \d+) page\(s\) rendered by the theme", log)
            patched = re.search(r"(\d+) patched in place", log)
            full = re.search(r"folio: a full build: (.*)", log)  # why it could not patch
            result.site_patched = int(patched.group(1)) if patched else 0
            say(f"folio: site written to {project.site_dir.relative_to(project.root)} "
                f"({time.perf_counter() - t_site:.1f} s"
                f"{f'; {theme.group(1)} pages rendered by the theme' if theme else ''}"
                f"{f', {patched.group(1)} patched in place' if patched else ''}"
                f"{f'; in full: {full.group(1).strip()}' if full else ''})")
        except FolioError as exc:
            result.problems.append(exc.render())
    return _finish(result, t0)


def _write_report(project: Project, result: BuildResult, existing: set[str]) -> dict:
    """``existing``: the slugs of the posts/ folders with an index.md."""
    # Keep entries of posts not built this time (--only), so the report covers the whole site.
    previous = {}
    try:
        old = json.loads(project.report_file.read_text(encoding="utf-8"))
        previous = {p["slug"]: p for p in old.get("posts", [])}
    except (OSError, ValueError):
        pass
    report = report_mod.record(result.results, result.problems)
    built = {p["slug"] for p in report["posts"]}
    merged = [previous[s] for s in sorted(previous) if s not in built and s in existing]
    if merged:
        report["posts"] = sorted(report["posts"] + merged, key=lambda p: p["slug"])
    report_mod.write_json(project.report_file, report)
    return report


def _finish(result: BuildResult, t0: float) -> BuildResult:
    for w in result.warnings:
        say(f"folio: warning: {w}")
    for p in result.problems:
        say(f"folio: error: {p}")
    counts: dict[str, int] = {}
    for r in result.results.values():
        counts[r.status] = counts.get(r.status, 0) + 1
    eqs = [e for r in result.results.values() for e in (r.checks or {}).get("equations", [])]
    verified = sum(bool(e.get("verified")) for e in eqs)
    consistent = sum(e.get("status") == "consistent" for e in eqs)
    ms = [e["mutation"] for e in eqs if e.get("mutation") and not e["mutation"].get("skipped")]
    mutants = (f", {sum(m['caught'] for m in ms)} of "
               f"{sum(m['total'] - len(m['equivalent']) for m in ms)} altered versions caught"
               if ms else "")
    result.equation_summary = (f"{verified} of {len(eqs)} equations verified"
                               f"{f' ({consistent} only consistent)' if consistent else ''}"
                               f"{mutants}")
    kernels = sum(r.kernels_started for r in result.results.values())
    say(summary_line(counts, kernels, len(result.rendered), result.equation_summary,
                     len(result.problems), time.perf_counter() - t0))
    return result
