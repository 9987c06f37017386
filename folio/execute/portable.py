"""Outputs and check records that read the same in every checkout: paths under the project
root written relative to it. A cache made in one checkout then serves another (CI restoring
a cache made elsewhere), and no page shows where the author's copy of the project lives."""

from __future__ import annotations

import os
from pathlib import Path


def relative_to_root(value, root: Path):
    """``value`` (JSON-like) with every absolute path under ``root`` made relative to it: the
    checks' file:line references, tracebacks and printed paths read the same in every checkout,
    and the cache made in one serves another."""
    prefixes = sorted({f"{p}{os.sep}" for p in (str(root), str(Path(root).resolve()))}, key=len,
                      reverse=True)

    def fix(v):
        if isinstance(v, str):
            for prefix in prefixes:
                v = v.replace(prefix, "")
            return v
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, dict):
            return {k: fix(x) for k, x in v.items()}
        return v
    return fix(value)


def portable(output: dict, root: Path) -> dict:
    """An output with paths under the root made relative: its text, never its binary data."""
    kind = output.get("output_type")
    if kind == "stream":
        return {**output, "text": relative_to_root(output.get("text", ""), root)}
    if kind == "error":
        return {**output, "evalue": relative_to_root(output.get("evalue", ""), root),
                "traceback": relative_to_root(output.get("traceback", []), root)}
    data = output.get("data")
    if data and "text/plain" in data:
        return {**output, "data": {**data, "text/plain": relative_to_root(data["text/plain"], root)}}
    return output
