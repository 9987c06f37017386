"""The last thing a post's kernel runs: its equation checks and its peak memory, as display data."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

from ..verify.equations import verify_labels
from ..runtime.mimetypes import CHECKS, RUNINFO


def finish(post_dir: str, slug: str, labels: list[str]) -> None:
    from IPython.display import display

    try:
        checks = verify_labels(Path(post_dir), slug, labels).to_dict()
    except Exception as exc:  # a module that fails to import: every equation is unverified
        checks = {"slug": slug, "error": f"{type(exc).__name__}: {exc}", "equations": [],
                  "orphans": []}
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20
    display({CHECKS: checks, RUNINFO: {"peak_memory_mb": round(peak, 1)}}, raw=True)
