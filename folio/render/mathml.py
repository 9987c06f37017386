"""TeX to MathML at build time, so pages and the feed need no math JavaScript."""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

# What arithmatex (generic mode) leaves in a page for inline math.
INLINE = re.compile(r'<span class="arithmatex">\\\((?P<tex>.*?)\\\)</span>', re.S)
BLOCK = re.compile(r'<div class="arithmatex">\\\[(?P<tex>.*?)\\\]</div>', re.S)


class MathError(ValueError):
    pass


def to_mathml(tex: str, *, display: bool) -> str:
    try:
        out = convert(tex.strip(), display="block" if display else "inline")
    except Exception as exc:
        raise MathError(f"cannot render TeX {tex.strip()[:60]!r}: {exc}") from None
    # Screen readers and feed readers without MathML get the TeX as the accessible name.
    return out.replace("<math ", f'<math alttext="{html.escape(tex.strip(), quote=True)}" ', 1)


def convert_page(page_html: str) -> str:
    """Replace arithmatex's TeX spans in rendered HTML with MathML."""
    def inline(m):
        return f'<span class="folio-math">{to_mathml(html.unescape(m["tex"]), display=False)}</span>'

    def block(m):
        return f'<div class="folio-math">{to_mathml(html.unescape(m["tex"]), display=True)}</div>'

    return BLOCK.sub(block, INLINE.sub(inline, page_html))
