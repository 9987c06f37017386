"""The ``folio`` command: build, serve, new, equations, cache prune. Errors become one clean
message and exit 1."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import CELL_TIMEOUT, DEFAULT_JOBS, Project
from .errors import FolioError


def _cmd_build(args, project: Project) -> int:
    from .site.build import start_site

    if args.plan or args.shard or args.requires:
        from .execute.shard import only_for

        only = only_for(args, project)
        if only is None:
            return 0
        args.only = list(only)

    import time

    from . import uptodate
    from .options import build_options

    t0 = time.perf_counter()
    opts = build_options(args)
    if uptodate.applies(opts):
        rec, source = uptodate.lookup(project, opts)
        if rec is not None:
            return _replay(rec, time.perf_counter() - t0)
    # A kernel starts first when an edit is likely to run code (its start is most of a code
    # edit's wait), then mkdocs starts loading; both overlap folio's own imports on two cores.
    from .execute.ahead import start_ahead

    warm = start_ahead(project)
    try:
        site = start_site(project, opts.site)
        from .pipeline import build
    except BaseException:
        if warm is not None:
            warm.close()
        raise
    result = build(project, opts, site=site, site_checked=True, warm=warm)
    if uptodate.applies(opts):
        uptodate.record(project, opts, source, result)
    return 0 if result.ok else 1


def _replay(rec: dict, seconds: float) -> int:
    """What the last build said, for a build with nothing to do (see folio.uptodate)."""
    from .console import say, summary_line

    for w in rec["warnings"]:
        say(f"folio: warning: {w}")
    say(summary_line(rec["counts"], 0, 0, rec["equations"], 0, seconds,
                     note=" (nothing changed since the last build)"))
    return 0


def _cmd_serve(args, project: Project) -> int:
    from .serve import serve

    return serve(project, host=args.host, port=args.port, jobs=args.jobs)


def _cmd_new(args, project: Project) -> int:
    from .scaffold import new_post

    path = new_post(project, args.title, author=args.author)
    print(f"created {path.relative_to(project.root)}")
    return 0


def _cmd_cache_prune(args, project: Project) -> int:
    from .execute.cache import Cache
    from .execute.cachekey import cache_key
    from .parse import read_post

    from .verify.stage import MutationCache, mutation_key

    authors = project.known_authors()
    keep, unreadable, mutation_keys = set(), [], set()
    for path in project.post_paths():
        try:
            post = read_post(path, authors)
        except FolioError as exc:
            unreadable.append(exc)
            continue
        # Entries made on a GPU machine and on a CPU one have different keys: keep both.
        keep |= {cache_key(post, root=project.root, lock_file=project.lock_file, gpu=g)
                 for g in (False, True)}
        mutation_keys.add(mutation_key(post, project.root, project.lock_file,
                                       [e.label for e in post.equations]))
    if unreadable:
        for exc in unreadable:
            print(f"folio: error: {exc.render()}", file=sys.stderr)
        raise FolioError("the cache was not pruned: a post that does not parse has no key, and "
                         "its entries would be lost", hint="fix the post above, then prune again")
    from .lock import build_lock

    with build_lock(project.build_dir, "prune"):  # a running build may be writing an entry
        removed, size = Cache(project.cache_dir).prune(keep, dry_run=args.dry_run)
        gone, freed = MutationCache(project.cache_dir / "mutants").prune(mutation_keys,
                                                                         dry_run=args.dry_run)
    removed, size = removed + gone, size + freed
    verb = "would remove" if args.dry_run else "removed"
    print(f"folio: {verb} {len(removed)} cache entr{'y' if len(removed) == 1 else 'ies'} "
          f"({size / 1e6:.1f} MB) that no current post uses")
    return 0


def _import_failure(post, exc: Exception) -> str:
    """Where a post's module failed to import, as file:line, without a traceback."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if str(post.dir.resolve()) in str(Path(f.filename).resolve())]
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else str(post.dir)
    return (f"{where}: the post's modules could not be imported for the equation checks: "
            f"{type(exc).__name__}: {exc}\nfix: make the module import (try "
            f"`python -c 'import {Path(frames[-1].filename).stem if frames else post.slug}'` "
            "in the post's folder)")


def _cmd_equations(args, project: Project) -> int:
    from .verify.equations import verify_post
    from .parse import read_post
    from .verify.report_equations import rows, table

    authors = project.known_authors()
    paths = project.post_paths()
    if args.post:
        paths = [p for p in paths if p.parent.name in args.post]
        if not paths:
            raise FolioError(f"no post named {', '.join(args.post)}", hint="see posts/")
    posts, unreadable = [], []
    for path in paths:  # one malformed post must not hide every other post's results
        try:
            posts.append(read_post(path, authors))
        except FolioError as exc:
            unreadable.append(exc)
            print(f"folio: error: {exc.render()}", file=sys.stderr)
    results, importable = [], []
    for post in posts:
        try:
            results.append(verify_post(post))
            importable.append(post)
        except Exception as exc:  # noqa: BLE001 - the post's own module failed to import
            unreadable.append(exc)
            print(f"folio: error: {_import_failure(post, exc)}", file=sys.stderr)
    posts = importable
    mutations = {}
    if not args.no_mutants:
        from .verify.stage import analyse_posts

        todo = [(p, [e.label for e in p.equations]) for p in posts]
        found = analyse_posts(todo, root=project.root, lock_file=project.lock_file,
                              cache_dir=project.cache_dir / "mutants", jobs=args.jobs)
        for slug, m in found.items():
            if m.data.get("error"):
                print(f"folio: error: posts/{slug}: {m.data['error']}", file=sys.stderr)
            mutations.update({(slug, d["label"]): d for d in m.data.get("labels", [])})
    if args.json:
        print(json.dumps(rows(results, mutations), indent=2))
    else:
        print(table(results, mutations, list_mutants=args.mutants))
    ok = all(p.verified == len(p.results) and not p.orphans for p in results)
    ok = ok and not any(m["survivors"] for m in mutations.values())
    return 0 if ok and not unreadable else 1


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="folio", description="Build an executable blog.")
    sub = ap.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="execute posts (cached), check equations, build the site")
    b.add_argument("--jobs", "-j", type=int, default=DEFAULT_JOBS,
                   help="posts executed at once (default: the number of cores)")
    b.add_argument("--keep-going", "-k", action="store_true",
                   help="build every other post when one fails (the exit code is still 1)")
    b.add_argument("--strict", action="store_true",
                   help="fail on unverified equations and stale or missing GPU results")
    b.add_argument("--force", action="append", default=[], metavar="SLUG",
                   help="re-execute this post even if cached (repeatable)")
    b.add_argument("--only", action="append", default=[], metavar="SLUG",
                   help="build only this post (repeatable)")
    b.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds allowed per cell")
    b.add_argument("--no-site", action="store_true", help="execute and render, skip mkdocs")
    b.add_argument("--shard", metavar="K/N",
                   help="execute only shard K of N of the posts that need executing (for a CI "
                        "matrix; the shards' build/cache folders merge by copying)")
    b.add_argument("--requires", choices=("gpu", "cpu"),
                   help="only the posts with a GPU cell (gpu), or only those without (cpu)")
    b.add_argument("--plan", action="store_true",
                   help="execute nothing: print how many shards the posts that need executing "
                        "are worth (shards=N and matrix=[1..N], for $GITHUB_OUTPUT)")
    b.add_argument("--max-shards", type=int, default=None,
                   help="--plan: at most this many shards (default 8)")
    b.set_defaults(func=_cmd_build)

    s = sub.add_parser("serve", help="preview the site, rebuilding on every save")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000,
                   help="0 serves on a free port the system chooses (the URL is printed)")
    s.add_argument("--jobs", "-j", type=int, default=DEFAULT_JOBS)
    s.set_defaults(func=_cmd_serve)

    n = sub.add_parser("new", help="scaffold a post that builds")
    n.add_argument("title")
    n.add_argument("--author", default=None, help="author id from site_src/blog/.authors.yml")
    n.set_defaults(func=_cmd_new)

    c = sub.add_parser("cache", help="manage the execution cache (build/cache)")
    csub = c.add_subparsers(dest="cache_command", required=True)
    cp = csub.add_parser("prune", help="remove the entries that no current post would use")
    cp.add_argument("--dry-run", action="store_true", help="list what would go, remove nothing")
    cp.set_defaults(func=_cmd_cache_prune)

    e = sub.add_parser("equations", help="check every displayed equation against its oracle")
    e.add_argument("--post", action="append", default=[], metavar="SLUG")
    e.add_argument("--json", action="store_true", help="print the results as JSON")
    e.add_argument("--mutants", action="store_true",
                   help="list every surviving and declared-equivalent mutant with its diff")
    e.add_argument("--no-mutants", action="store_true",
                   help="skip the mutation analysis (it is cached; a cold run takes minutes)")
    e.add_argument("--jobs", "-j", type=int, default=DEFAULT_JOBS,
                   help="posts analysed at once")
    e.set_defaults(func=_cmd_equations)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args, Project.find())
    except FolioError as exc:
        print(f"folio: error: {exc.render()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("folio: interrupted; the cache keeps every post that finished", file=sys.stderr)
        return 130


def run() -> None:
    """The ``folio`` program: ``main``, then out without tearing the interpreter down (every
    file is written and closed by then; the teardown was 55 ms of each build)."""
    import os

    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away, a closed stream
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
