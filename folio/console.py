"""What a build prints: progress and its one-line summary, on stderr."""

from __future__ import annotations

import sys


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def summary_line(counts: dict[str, int], kernels: int, rendered: int, equations: str,
                 errors: int, seconds: float, note: str = "") -> str:
    # "no post built", not "no posts": after a parse error the posts exist, none was built.
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no post built"
    return (f"folio: {summary}; {kernels} kernel(s) started; {rendered} page(s) rendered; "
            f"{equations}; {errors} error(s) in {seconds:.1f} s{note}")
