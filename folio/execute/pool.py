"""Execute posts in parallel, slowest first, with a line of progress per post."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Callable

from ..post import Post
from .result import ExecutionResult


class Progress:
    """One line when a post starts and one when it ends, with its time. Plain text, so CI logs
    and terminals both read well."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.lock = threading.Lock()

    def started(self, slug: str) -> None:
        with self.lock:
            print(f"  run     {slug}", file=self.stream, flush=True)

    def finished(self, r: ExecutionResult) -> None:
        with self.lock:
            self.done += 1
            extra = f" ({r.gpu_pending} GPU cell(s) pending)" if r.gpu_pending else ""
            took = f"{r.seconds:6.1f}s" if r.status != "cached" else "      "
            print(f"  [{self.done}/{self.total}] {r.status:<8} {took} {r.slug}{extra}",
                  file=self.stream, flush=True)


def run_all(posts: list[Post], execute: Callable[[Post], ExecutionResult], *, jobs: int,
            expected_seconds: dict[str, float] | None = None,
            progress: Progress | None = None) -> dict[str, ExecutionResult]:
    """Run ``execute`` on every post, ``jobs`` at a time. The posts that took longest last time
    start first, so the last one to finish is not a long one started late."""
    expected = expected_seconds or {}
    order = sorted(posts, key=lambda p: (-expected.get(p.slug, float("inf")), p.slug))
    progress = progress or Progress(len(posts))
    results: dict[str, ExecutionResult] = {}

    def job(post: Post) -> ExecutionResult:
        progress.started(post.slug)
        r = execute(post)
        progress.finished(r)
        return r

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {pool.submit(job, p): p for p in order}
        for f in as_completed(futures):
            r = f.result()
            results[r.slug] = r
    except BaseException:
        # One post could not be executed or cached (a full disk): start no more; the ones
        # running finish, and what they cached stays.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results
