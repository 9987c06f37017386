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

from ..cachekey import key_parts
from ..post import Post

SCHEMA = "folio-mutants-1"
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
    parts.update(schema=SCHEMA, labels=sorted(labels))
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
                  cache_dir: Path, jobs: int) -> dict[str, PostMutation]:
    """``posts``: each post with the labels whose checks passed (only those are mutated)."""
    cache = MutationCache(cache_dir)

    def one(item: tuple[Post, list[str]]) -> PostMutation:
        post, labels = item
        key = mutation_key(post, root, lock_file, labels)
        hit = cache.get(key)
        if hit is not None:
            return PostMutation(post.slug, key, hit, False, 0.0)
        t0 = time.perf_counter()
        data = _run_worker(post, root, labels) if labels else {"error": "", "labels": []}
        if not data.get("error"):
            cache.put(key, data)
        return PostMutation(post.slug, key, data, True, time.perf_counter() - t0)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return {m.slug: m for m in pool.map(one, posts)}
