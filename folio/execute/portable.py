"""Cache entries that do not name the checkout they were made in.

A kernel reports where things are as absolute paths: an equation's counterpart and each check
as ``/path/to/checkout/posts/<slug>/module.py:LINE``, and any warning or traceback in the outputs.
Written as they are, an entry made in one checkout (a CI shard, another clone) points into a folder
that does not exist where the entry is used, and the page built from it loses the quoted
counterpart. So the project root is written as ``${FOLIO_ROOT}`` in the cache and put back, as
the root of the checkout reading it, when the entry is read: a page built from a merged cache is
the page that checkout would have built itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

TOKEN = "${FOLIO_ROOT}"


def _roots(root: Path) -> list[str]:
    # As they appear inside a JSON string (escaped), longest first: /a/b/link before /a/b.
    names = {str(root), str(root.resolve())}
    return sorted((json.dumps(n, ensure_ascii=False)[1:-1] for n in names), key=len, reverse=True)


def _swap(obj, root: Path, *, out: bool):
    text = json.dumps(obj, ensure_ascii=False)
    if out:
        for r in _roots(root):
            text = text.replace(r + "/", TOKEN + "/")
    else:
        # The kernel names files under the resolved root (see kernel._notebook).
        here = json.dumps(str(root.resolve()), ensure_ascii=False)[1:-1]
        text = text.replace(TOKEN + "/", here + "/")
    return json.loads(text)


def portable(nb: nbformat.NotebookNode, record: dict, root: Path):
    """The entry as it is stored: the root replaced by the token."""
    return nbformat.from_dict(_swap(nb, root, out=True)), _swap(record, root, out=True)


def local(nb: nbformat.NotebookNode, record: dict, root: Path):
    """The entry as this checkout uses it: the token replaced by this root."""
    return nbformat.from_dict(_swap(nb, root, out=False)), _swap(record, root, out=False)
