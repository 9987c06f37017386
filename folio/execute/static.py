"""Posts with nothing to run: no code cell, no displayed equation, no module of their own.

Such a post (plain prose, inline math, links) starts no kernel and uses no cache entry: its
result is made here, the same on every build and every machine, so its page is stable from the
first build on. (Through the cache, every prose-only post had the same key and shared one entry,
whose record named whichever post wrote it last: each one's page was rendered again on the first
no-op build after a cold one.)
"""

from __future__ import annotations

from .cachekey import post_files
from ..post import Post
from .result import ExecutionResult

STATUS = "prose"  # what the report and the build summary call such a post


def nothing_to_run(post: Post) -> bool:
    """True when executing the post could not produce anything: no code cell to run, no
    equation to check, and no ``.py`` file in its folder whose ``@equation`` registrations the
    kernel's checks would report (as orphans)."""
    return (not post.code_cells and not post.equations
            and not any(p.suffix == ".py" for p in post_files(post)))


def prose_result(post: Post) -> ExecutionResult:
    return ExecutionResult(slug=post.slug, status=STATUS, seconds=0.0, peak_memory_mb=None,
                           device="-", key="")
