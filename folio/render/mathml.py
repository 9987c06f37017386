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


# A sign that follows an operator (an opening fence, a relation, another sign, a large operator)
# is unary, as in TeX: ``\log(-2)``, ``a = -b``. latex2mathml writes it as a plain <mo> in a flat
# row, and MathML Core (by position) makes it infix, with a binary operator's space on each side.
SIGNS = ("&#x02212;", "&#x0002B;", "&#x000B1;", "&#x02213;", "-", "+", "\u2212", "\u00b1")
_CLOSING = {"&#x00029;", ")", "]", "&#x0005D;", "}", "&#x0007D;", "&#x0232A;", "&#x027E9;",
            "&#x02309;", "&#x0230B;", "|", "&#x0007C;", "&#x02016;", "!", "&#x00021;"}
_SIGN_AFTER_MO = re.compile(
    r'(?P<prev><mo(?P<pattrs>(?: [^>]*)?)>(?P<pc>[^<]*)</mo>)<mo>(?P<sign>'
    + "|".join(re.escape(s) for s in SIGNS) + r')</mo>')


def _unary_signs(mathml: str) -> str:
    def fix(m):
        closing = m["pc"] in _CLOSING or 'form="postfix"' in m["pattrs"]
        if closing:
            return m.group(0)
        return f'{m["prev"]}<mo form="prefix">{m["sign"]}</mo>'
    # Twice: a match consumes the operator before the sign, so ``= - -x`` needs a second pass.
    return _SIGN_AFTER_MO.sub(fix, _SIGN_AFTER_MO.sub(fix, mathml))


def to_mathml(tex: str, *, display: bool) -> str:
    try:
        out = convert(tex.strip(), display="block" if display else "inline")
    except Exception as exc:
        raise MathError(f"cannot render TeX {tex.strip()[:60]!r}: {exc}") from None
    out = _unary_signs(out)
    # Screen readers and feed readers without MathML get the TeX as the accessible name.
    return out.replace("<math ", f'<math alttext="{html.escape(tex.strip(), quote=True)}" ', 1)


def convert_page(page_html: str) -> str:
    """Replace arithmatex's TeX spans in rendered HTML with MathML."""
    def inline(m):
        return f'<span class="folio-math">{to_mathml(html.unescape(m["tex"]), display=False)}</span>'

    def block(m):
        return f'<div class="folio-math">{to_mathml(html.unescape(m["tex"]), display=True)}</div>'

    return BLOCK.sub(block, INLINE.sub(inline, page_html))
