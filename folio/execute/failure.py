"""Turn a kernel's error output into a message naming the post file, cell, line and source."""

from __future__ import annotations

import re

from ..errors import CellExecutionFailed
from ..post import Cell, Post

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_FRAME = re.compile(r"Cell In\[\d+\], line (\d+)")


def _plain(frames: list[str]) -> list[str]:
    return [ANSI.sub("", f) for f in frames]


def trimmed_traceback(frames: list[str], post: Post) -> list[str]:
    """Keep the frames in the post's own code (its cells, its folder, kernels/); drop library
    internals, but always keep the final 'Error: message' line."""
    frames = _plain(frames)
    keep = []
    own = str(post.dir)
    for f in frames[1:-1] if len(frames) > 2 else []:
        if CELL_FRAME.search(f) or own in f or "/kernels/" in f:
            keep.append(f.rstrip())
    if frames:
        keep.append(frames[-1].rstrip())
    return keep


def cell_failure(post: Post, cell: Cell, ename: str, evalue: str, frames: list[str]) -> CellExecutionFailed:
    plain = _plain(frames)
    # The first frame in the cell itself says which line of the cell raised.
    cell_line = next((int(m.group(1)) for f in plain for m in [CELL_FRAME.search(f)] if m), None)
    src_lines = cell.source.splitlines()
    line = cell.line + cell_line - 1 if cell_line else cell.line
    detail = []
    if cell_line and 0 < cell_line <= len(src_lines):
        detail.append(f"  {line:>5} | {src_lines[cell_line - 1]}")
    tb = trimmed_traceback(frames, post)
    if tb:
        detail.append("traceback (the post's own code):")
        detail.extend("  " + l.replace("\n", "\n  ") for l in tb)
    return CellExecutionFailed(
        f"code cell {cell.number} raised {ename}: {evalue}", file=post.path, line=line,
        detail="\n".join(detail),
        hint=f"fix cell {cell.number} (it starts at line {cell.line}) and build again; "
             "the other posts are unaffected, and --keep-going builds them")
