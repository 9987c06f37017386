"""The site's math font, cut down to the characters its formulas use.

A math font with an OpenType MATH table was most of a post page's weight: DejaVu Math TeX Gyre,
even kept to the math blocks, is 153 KB, and a phone on a slow network fetches it before the
first formula can be drawn. After each build the folio plugin lists the characters inside every
page's ``<math>`` elements, and serves the configured font (``math_font:`` in the plugin's
options, a file under docs_dir) cut down to those characters, with the glyph variants and
constructions the MATH table gives them (stretchy fences, large operators, radicals). The
letters an ``<mi>`` draws in italic come from the Mathematical Alphanumeric Symbols, not from the
characters in the page, so the italic Latin and Greek alphabets are always kept.

The subset is made with fontTools (``recalcTimestamp=False``, so the same characters give the
same bytes), cached under build/math-font/ and in the user's cache by the font and the
characters, and written to the site only when its bytes change. What each page uses is memoized
by the page file's size and modification time, so a build that rendered one page reads one page.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
from pathlib import Path

from ..usercache import keep, user_cache
from ..render.files import write_atomic
from .memo import Memo, digest

_MATH = re.compile(r"<math\b.*?</math>", re.S)
_TAG = re.compile(r"<[^>]*>")

# MathML Core's italic mapping for a one-letter <mi>: Latin A-Z, a-z (h is U+210E, PLANCK
# CONSTANT; U+1D455 is unassigned), dotless i and j, Greek capitals, nabla, Greek small letters
# and their variants.
ITALIC = frozenset([*range(0x1D434, 0x1D455), *range(0x1D456, 0x1D468), 0x210E, 0x1D6A4,
                    0x1D6A5, *range(0x1D6E2, 0x1D71C)])


def math_chars(page: str) -> str:
    """The characters a page's formulas draw (their text, not their attributes), sorted."""
    used: set[str] = set()
    for m in _MATH.finditer(page):
        used.update(html.unescape(_TAG.sub(" ", m.group(0))))
    used.discard("\n")
    return "".join(sorted(used))


def subset(master: bytes, codepoints: set[int]) -> bytes:
    """``master`` (any format fontTools reads) cut down to ``codepoints``, as WOFF2."""
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(master), recalcTimestamp=False)
    options = ft_subset.Options(layout_features=["*"], flavor="woff2")
    options.notdef_outline = True
    sub = ft_subset.Subsetter(options)
    sub.populate(unicodes=sorted(codepoints))
    sub.subset(font)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


LISTING = "listing"  # the memo's entry naming each HTML file of the site with its key


def _file_key(path: str, rel: str) -> str:
    st = os.stat(path)
    return digest(rel, str(st.st_size), str(st.st_mtime_ns))


def site_chars(site_dir: Path, memo: Memo, changed: set[str] | None = None) -> set[int]:
    """Code points used in the formulas of every HTML file under ``site_dir``. ``changed``:
    after a page-only update (see site.patch), the HTML files it rewrote; the site's other
    files are as the last listing has them (the update checked that), so only those are
    looked at."""
    root = os.path.join(str(site_dir), "")
    listing = memo.get(LISTING) if changed is not None else None
    if isinstance(listing, dict):
        changed = {os.path.normpath(p) for p in changed}
        keys = {rel: (_file_key(root + rel, rel) if os.path.normpath(root + rel) in changed
                      else key)
                for rel, key in listing.items()}
    else:
        keys = {}
        for top, dirs, names in os.walk(site_dir):
            dirs.sort()
            for name in names:
                if name.endswith(".html"):
                    path = os.path.join(top, name)
                    keys[path[len(root):]] = _file_key(path, path[len(root):])
    used: set[int] = set()
    for rel, key in keys.items():
        chars = memo.get(key)
        if chars is None:
            with open(root + rel, encoding="utf-8", errors="replace") as f:
                chars = math_chars(f.read())
        memo.put(key, chars)
        used.update(map(ord, chars))
    memo.put(LISTING, keys)
    return used


# Subsets are also kept for the user (XDG_CACHE_HOME/folio/math-font), by font and characters:
# a clean build, another checkout or a test's fresh project with the same characters reuses one
# instead of spending two seconds on it. The most recent SHARED_KEPT are kept.
SHARED_KEPT = 32


def shared_cache() -> Path:
    return user_cache("math-font")


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def serve_subset(master: Path, dest: Path, site_dir: Path, memo: Memo, cache: Path,
                 changed: set[str] | None = None) -> int:
    """Write ``dest``: ``master`` cut down to what the site's formulas use (the italic
    alphabets included). Returns the subset's size in bytes. ``changed``: see site_chars."""
    raw = master.read_bytes()
    wanted = site_chars(site_dir, memo, changed) | ITALIC | set(range(0x20, 0x7F))
    import brotli
    import fontTools

    made_by = f"fontTools {fontTools.version}, brotli {brotli.version}"  # what the bytes depend on
    key = hashlib.sha256(raw + f"{made_by}\0{sorted(wanted)}".encode()).hexdigest()[:20]
    data = _read(cache / f"{key}.woff2")
    if data is None:
        data = _read(shared_cache() / f"{key}.woff2")
        if data is None:
            data = subset(raw, wanted)
            keep(shared_cache() / f"{key}.woff2", data, SHARED_KEPT)
        keep(cache / f"{key}.woff2", data, 1)
    try:
        same = dest.read_bytes() == data
    except OSError:
        same = False
    if not same:
        dest.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(dest, data)
    return len(data)
