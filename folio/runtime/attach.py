"""Publish a file made by a post's code (a profiler trace, a CSV) beside the post, with a link."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from .mimetypes import ATTACHMENT


def attach(name: str, data: bytes | str | Path, *, caption: str) -> None:
    """Hand ``data`` (bytes, text, or a path to read) to the renderer as ``figures/<slug>/<name>``."""
    from IPython.display import display

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ValueError(f"attachment name must be a plain file name, got {name!r}")
    if isinstance(data, Path):
        data = data.read_bytes()
    if isinstance(data, str):
        data = data.encode("utf-8")
    payload = {"name": name, "caption": caption, "size": len(data),
               "base64": base64.b64encode(data).decode("ascii")}
    display({ATTACHMENT: payload, "text/plain": f"<attachment {name}, {len(data)} bytes>"}, raw=True)
