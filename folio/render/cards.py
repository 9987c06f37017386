"""Share cards: a 1200x630 PNG per post with its title, shown when the post is shared (OpenGraph
and Twitter meta point at it; see overrides/main.html). Drawn with Pillow at build time from the
DejaVu fonts matplotlib ships, so nothing is fetched; the same post gives the same bytes."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import textwrap
from pathlib import Path

from ..post import Post

SIZE = (1200, 630)
BACKGROUND = (40, 53, 147)  # Material's indigo 800: the site's header colour, darker
FOREGROUND = (255, 255, 255)
MUTED = (197, 202, 233)  # indigo 100
SITE = "folio — an executable ML blog"


def cards_dir(docs_dir: Path) -> Path:
    return docs_dir / "cards"


@functools.lru_cache(maxsize=8)
def _font(bold: bool, size: int):
    from PIL import ImageFont

    # matplotlib's own copy of DejaVu, found without importing matplotlib (a second).
    mpl = Path(importlib.util.find_spec("matplotlib").origin).parent
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(mpl / "mpl-data" / "fonts" / "ttf" / name), size)


def card_key(post: Post) -> str:
    """What the card is drawn from: the post's title, description, date and categories, and
    this module's code."""
    m = post.meta
    return hashlib.sha256(repr((m.title, m.description, str(m.date), m.categories,
                                Path(__file__).read_bytes())).encode()).hexdigest()[:32]


def drawn_with(path: Path) -> str | None:
    """The key a card on disk was drawn with (kept in its PNG text), or None."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            return img.text.get("folio-key")
    except (OSError, ValueError):
        return None


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Greedy wrap to ``width`` pixels; the last line gets an ellipsis if the text is longer."""
    words, lines, line = text.split(), [], ""
    for w in words:
        trial = f"{line} {w}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = w
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = textwrap.shorten(lines[-1] + " …", width=len(lines[-1]), placeholder=" …")
    return lines


def card_png(post: Post) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", SIZE, BACKGROUND)
    d = ImageDraw.Draw(img)
    margin, width = 80, SIZE[0] - 160
    d.rectangle([0, 0, 24, SIZE[1]], fill=(92, 107, 192))  # indigo 400 accent stripe
    d.text((margin, 64), SITE, font=_font(False, 30), fill=MUTED)
    title_font = _font(True, 64)
    y = 140
    for line in _wrap(d, post.meta.title, title_font, width, 3):
        d.text((margin, y), line, font=title_font, fill=FOREGROUND)
        y += 80
    y += 20
    desc_font = _font(False, 30)
    for line in _wrap(d, post.meta.description, desc_font, width, 3):
        d.text((margin, y), line, font=desc_font, fill=MUTED)
        y += 42
    foot = f"{post.meta.date:%B %-d, %Y}"
    if post.meta.categories:
        foot += " · " + ", ".join(post.meta.categories)
    d.text((margin, SIZE[1] - 80), foot, font=_font(False, 28), fill=MUTED)
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("folio-key", card_key(post))
    buf = io.BytesIO()
    img.save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()
