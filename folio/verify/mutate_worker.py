"""``python -m folio.verify.mutate_worker POST_DIR OUT.json LABEL...``: the mutation analysis of
one post, in a process of its own (the post's modules are imported fresh, a runaway mutant can be
stopped with a signal, and posts run in parallel)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .discover import collect
from .mutation import analyse


def main(argv: list[str]) -> int:
    post_dir, out, labels = Path(argv[0]), Path(argv[1]), argv[2:]
    try:
        registry = collect(post_dir)
    except Exception as exc:  # noqa: BLE001 - reported as data, like the kernel's own checks
        result = {"error": f"{type(exc).__name__}: {exc}", "labels": []}
    else:
        result = {"error": "", "labels": [m.to_dict() for m in analyse(registry, labels)]}
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
