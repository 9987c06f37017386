"""Spread execution over machines: ``folio build --shard K/N``, ``--requires``, ``--plan``.

A CI matrix of N jobs runs ``folio build --shard K/N --no-site`` on the same commit over the same
restored cache. Each job works out, by itself, the same list of posts that need work (their
execution entry, or their mutation-analysis entry, is missing from ``build/cache``), splits it into
the same N shards, and executes only shard K. The new cache entries of all jobs are then copied
into one ``build/cache``: entries are content-addressed (``build/cache/<2 hex>/<key>/`` folders and
``build/cache/mutants/<2 hex>/<key>.json`` files, nothing else), so copying them is the whole
merge, and a final ``folio build`` over the merged cache executes nothing.

Balance: shards are filled greedily, longest post first (ties broken by slug), each post into
the shard with the least expected time so far (ties: the lowest shard number). The expected time
of a post is its ``seconds`` in ``build/report.json``, the report of the last build, which CI
keeps with the cache (so every job of a run reads the same bytes); a post the report does not
know (a new one) counts as the median of the known times, or 1 s when none is known. The times
never come from the clock of the job doing the split, so the split is the same on every runner.

``--requires gpu`` keeps the posts with a GPU cell (``requires: gpu``, or a cell tagged ``gpu``),
for a runner with CUDA whose frozen results the publish job then uses; ``--requires cpu`` keeps
the others.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from .cachekey import cache_key
from ..config import Project
from ..errors import FolioError
from ..parse import read_post
from ..post import Post
from ..verify.stage import mutation_key
from .static import nothing_to_run

DEFAULT_SECONDS = 1.0
# --plan: no more shards than this, and none expected to run for less than MIN_SHARD_SECONDS
# (a CI job spends about a minute setting up before it executes anything).
MAX_SHARDS = 8
MIN_SHARD_SECONDS = 60.0


@dataclass(frozen=True)
class ShardSpec:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> "ShardSpec":
        k, sep, n = text.partition("/")
        try:
            spec = cls(int(k), int(n)) if sep else None
        except ValueError:
            spec = None
        if spec is None or not 1 <= spec.index <= spec.count:
            raise FolioError(f"--shard {text!r} is not a shard of a build",
                             hint="write K/N with 1 <= K <= N, e.g. --shard 2/4 for the second "
                                  "of four shards")
        return spec


def readable_posts(project: Project) -> list[Post]:
    """Every post that parses, drafts left out. One that does not parse is left to the build,
    which reports it with its line."""
    authors, posts = project.known_authors(), []
    for path in project.post_paths():
        try:
            post = read_post(path, authors)
        except FolioError:
            continue
        if not post.meta.draft:
            posts.append(post)
    return posts


def needs_work(post: Post, project: Project, gpu: bool) -> bool:
    """Would a build on this machine run something for this post: its code (its execution entry
    is missing) or its mutation analysis (its equations have no entry)?"""
    if nothing_to_run(post):
        return False
    key = cache_key(post, root=project.root, lock_file=project.lock_file, gpu=gpu)
    if not (project.cache_dir / key[:2] / key / "record.json").is_file():
        return True
    if not post.equations:
        return False
    mkey = mutation_key(post, project.root, project.lock_file, [e.label for e in post.equations])
    return not (project.cache_dir / "mutants" / mkey[:2] / f"{mkey}.json").is_file()


def select(posts: list[Post], requires: str | None) -> list[Post]:
    if requires is None:
        return posts
    return [p for p in posts if p.needs_gpu == (requires == "gpu")]


def expected_seconds(report_file: Path, slugs: list[str]) -> dict[str, float]:
    try:
        report = json.loads(report_file.read_text(encoding="utf-8"))
        known = {p["slug"]: float(p["seconds"]) for p in report["posts"]
                 if isinstance(p.get("seconds"), (int, float))}
    except (OSError, ValueError, KeyError, TypeError):
        known = {}
    times = sorted(known.values())
    default = (times[len(times) // 2] if len(times) % 2
               else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2) if times \
        else DEFAULT_SECONDS
    return {s: known.get(s, default) for s in slugs}


def partition(seconds: dict[str, float], n: int) -> list[list[str]]:
    """Greedy longest-first into ``n`` shards; each shard's slugs sorted."""
    bins: list[list[str]] = [[] for _ in range(n)]
    load = [0.0] * n
    for slug in sorted(seconds, key=lambda s: (-seconds[s], s)):
        i = min(range(n), key=lambda j: (load[j], j))
        bins[i].append(slug)
        load[i] += seconds[slug]
    return [sorted(b) for b in bins]


def shard_count(seconds: dict[str, float], *, max_shards: int = MAX_SHARDS,
                min_seconds: float = MIN_SHARD_SECONDS) -> int:
    """How many jobs the work is worth: at least 1, at most one per post and ``max_shards``."""
    if not seconds:
        return 1
    by_time = math.ceil(sum(seconds.values()) / min_seconds)
    return max(1, min(max_shards, len(seconds), by_time))


@dataclass(frozen=True)
class Plan:
    pending: list[str]  # slugs that need work on this machine, sorted
    seconds: dict[str, float]  # expected seconds of each

    def shards(self, n: int) -> list[list[str]]:
        return partition(self.seconds, n)


def plan(project: Project, *, gpu: bool, requires: str | None = None,
         only: tuple[str, ...] = (), force: tuple[str, ...] = ()) -> Plan:
    posts = [p for p in select(readable_posts(project), requires) if not only or p.slug in only]
    pending = sorted(p.slug for p in posts
                     if (p.slug in force and not nothing_to_run(p)) or needs_work(p, project, gpu))
    return Plan(pending, expected_seconds(project.report_file, pending))


def say(msg: str) -> None:
    import sys

    print(msg, file=sys.stderr, flush=True)


def only_for(args, project: Project) -> tuple[str, ...] | None:
    """``folio build``'s --plan, --shard and --requires: the slugs this build executes (as
    --only), or None when there is nothing left to do (the plan was printed, or the shard is
    empty)."""
    from .device import detect

    spec = ShardSpec.parse(args.shard) if args.shard else ShardSpec(1, 1)
    p = plan(project, gpu=detect().gpu, requires=args.requires, only=tuple(args.only),
             force=tuple(args.force))
    what = f" ({args.requires} posts)" if args.requires else ""
    if args.plan:
        n = shard_count(p.seconds, max_shards=args.max_shards or MAX_SHARDS)
        say(f"folio: {len(p.pending)} post(s){what} need executing here, about "
            f"{sum(p.seconds.values()):.0f} s in all: {n} shard(s)")
        for i, slugs in enumerate(p.shards(n), 1):
            total = sum(p.seconds[s] for s in slugs)
            say(f"  shard {i}/{n} ({total:.0f} s): {' '.join(slugs) or '-'}")
        # For $GITHUB_OUTPUT: the shard count and the matrix of shard numbers.
        print(f"shards={n}")
        print(f"matrix={json.dumps(list(range(1, n + 1)))}")
        return None
    mine = tuple(p.shards(spec.count)[spec.index - 1])
    label = f"shard {spec.index}/{spec.count}" if args.shard else "this build"
    if not mine:
        say(f"folio: {label}{what}: no post needs executing "
            f"({len(p.pending)} in all need executing here)")
        return None
    say(f"folio: {label}{what}: {len(mine)} of the {len(p.pending)} post(s) that need "
        f"executing: {' '.join(mine)}")
    return mine
