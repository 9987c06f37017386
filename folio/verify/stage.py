"""The mutation stage of a build: each post's mutation analysis, from the cache when its inputs
are unchanged, else in a worker process per post, posts in parallel.

The key is everything the checks see: the post's own files (modules and data), the ``kernels/``
modules they import, the locked versions, folio's checker code and the displayed labels. Prose
and code cells are not in it, so a prose edit or a no-op build runs no mutant. Results live
under ``build/cache/mutants/`` as one JSON file per key, content-addressed like the execution
cache, so caches from several machines merge by copying.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..execute.cachekey import key_parts
from ..post import Post

SCHEMA = "folio-mutants-1"
LABELS_PER_PART = 3  # a post with fewer labels than twice this runs in one worker
# The checker's own code: the operators, the analysis and the check runner it calls.
_CHECKER = sorted(Path(__file__).resolve().parent.glob("*.py"))
TIMEOUT = 900  # seconds for one post's whole analysis


@dataclass(frozen=True)
class PostMutation:
    slug: str
    key: str
    data: dict  # {"error": str, "labels": [LabelMutation.to_dict()]}
    ran: bool  # False when it came from the cache
    seconds: float


def mutation_key(post: Post, root: Path, lock_file: Path, labels: list[str]) -> str:
    parts = key_parts(post, root=root, lock_file=lock_file, gpu=False)
    parts = {k: v for k, v in parts.items() if k not in ("cells", "gpu", "schema")}
    checker = hashlib.sha256(b"".join(p.read_bytes() for p in _CHECKER)).hexdigest()
    parts.update(schema=SCHEMA, labels=sorted(labels), checker=checker)
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


class MutationCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def _file(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) and "labels" in data else None
        except (OSError, ValueError):
            return None  # missing or corrupt: a miss

    def put(self, key: str, data: dict) -> None:
        path = self._file(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:8]}-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, path)  # atomic: a reader sees the whole entry or none

    def prune(self, keep: set[str], *, dry_run: bool = False) -> tuple[list[str], int]:
        """Remove the entries whose key is not in ``keep``; return their names and bytes."""
        removed, size = [], 0
        for f in sorted(self.root.glob("??/*.json")):
            if f.stem in keep:
                continue
            removed.append(f.stem)
            size += f.stat().st_size
            if not dry_run:
                f.unlink(missing_ok=True)
        return removed, size


def _env(post: Post, root: Path) -> dict:
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": os.pathsep.join([str(post.dir.resolve()), str(root.resolve())]
                                      + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])),
        "PYTHONHASHSEED": "0", "FOLIO_SLUG": post.slug, "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    })
    env.setdefault("TRITON_INTERPRET", "1")  # no CUDA needed: kernels run in the interpreter
    return env


def _run_worker(post: Post, root: Path, labels: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="folio-mutants-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "folio.verify.mutate_worker", str(post.dir.resolve()),
               str(out), *labels]
        try:
            proc = subprocess.run(cmd, env=_env(post, root), cwd=post.dir, timeout=TIMEOUT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        except subprocess.TimeoutExpired:
            return {"error": f"the mutation analysis ran longer than {TIMEOUT} s", "labels": []}
        if proc.returncode != 0 or not out.is_file():
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"error": f"the mutation analysis stopped: {last}", "labels": []}
        return json.loads(out.read_text(encoding="utf-8"))


def analyse_posts(posts: list[tuple[Post, list[str]]], *, root: Path, lock_file: Path,
                  cache_dir: Path, jobs: int,
                  expected: dict[str, float] | None = None,
                  cache_only: bool = False) -> dict[str, PostMutation]:
    """``posts``: each post with its displayed labels (those whose checks fail are skipped).
    ``expected``: a guess of each post's cost (its execution time): the costliest start first,
    so the last to finish is not a long one started late."""
    cache = MutationCache(cache_dir)
    expected = expected or {}
    posts = sorted(posts, key=lambda item: (-expected.get(item[0].slug, 0.0), item[0].slug))
    found: dict[str, PostMutation] = {}
    todo: list[tuple[Post, str, list[str]]] = []  # (post, key, one part of its labels)
    for post, labels in posts:
        key = mutation_key(post, root, lock_file, labels)
        hit = cache.get(key)
        if hit is not None or cache_only or not labels:
            data = hit if hit is not None else {"error": "", "labels": []}
            found[post.slug] = PostMutation(post.slug, key, data, False, 0.0)
            continue
        # A post's labels are split over the workers, so one heavy post does not run alone on
        # one core at the end while the others sit idle.
        parts = max(1, min(jobs, len(labels) // LABELS_PER_PART))
        todo += [(post, key, labels[i::parts]) for i in range(parts)]

    def run(task: tuple[Post, str, list[str]]) -> tuple[dict, float]:
        t0 = time.perf_counter()
        return _run_worker(task[0], root, task[2]), time.perf_counter() - t0

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        done = list(pool.map(run, todo))
    merged: dict[str, tuple[str, list[dict], list[str], float]] = {}
    for (post, key, _), (data, seconds) in zip(todo, done):
        _, rows, errors, total = merged.get(post.slug, (key, [], [], 0.0))
        merged[post.slug] = (key, rows + data.get("labels", []),
                             errors + ([data["error"]] if data.get("error") else []),
                             total + seconds)
    order = {post.slug: [l for l in labels] for post, labels in posts}
    for slug, (key, rows, errors, seconds) in merged.items():
        rows.sort(key=lambda d: order[slug].index(d["label"]))
        data = {"error": "; ".join(errors), "labels": rows}
        if not errors:
            cache.put(key, data)
        found[slug] = PostMutation(slug, key, data, True, seconds)
    return found
