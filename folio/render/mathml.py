"""TeX to MathML at build time, so pages and the feed need no math JavaScript."""

from __future__ import annotations

import html
import re
import unicodedata

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


# --- math as text, for the search index ----------------------------------------------------------
# Material's search keeps only a few tags of a page (p, code, lists, sub, sup) and drops MathML
# tags but not their text: x^2 / (2 tau_0) would read "x22τ0" in a search result. The index gets
# the formula written out with <sub> and <sup> instead, which the results show as such.

MATH = re.compile(r"<math\b[^>]*>.*?</math>", re.S)
_ACCENTS = {"^": "\u0302", "\u02c6": "\u0302", "\u005e": "\u0302", "\u00af": "\u0304",
            "\u2015": "\u0304", "\u2014": "\u0304", "~": "\u0303", "\u02dc": "\u0303",
            "\u02d9": "\u0307", "\u2192": "\u20d7", "\u2190": "\u20d6"}
_SPACED = set("=<>≤≥≈≠≡∼≃∝→←↦∈∉⊂⊆")


def _text(el) -> str:
    tag = el.tag.rpartition("}")[2]
    kids = list(el)
    if tag in ("mi", "mn", "mtext", "ms"):
        return html.escape(el.text or "", quote=False)
    if tag == "mo":
        op = (el.text or "").strip()
        return f" {html.escape(op, quote=False)} " if op in _SPACED else html.escape(op, quote=False)
    if tag == "mspace":
        return " "
    parts = [_text(k) for k in kids]

    def group(i: int) -> str:
        """Child i, in parentheses unless it is one symbol (an mrow of one element)."""
        k = kids[i]
        while k.tag.rpartition("}")[2] == "mrow" and len(k) == 1:
            k = k[0]
        one = k.tag.rpartition("}")[2] in ("mi", "mn", "msub", "msup", "msubsup") \
            or len(re.sub(r"<[^>]+>", "", parts[i])) <= 1
        return parts[i] if one else f"({parts[i]})"

    if tag == "msup" and len(parts) == 2:
        return f"{parts[0]}<sup>{parts[1]}</sup>"
    if tag == "msub" and len(parts) == 2:
        return f"{parts[0]}<sub>{parts[1]}</sub>"
    if tag in ("msubsup", "munderover") and len(parts) == 3:
        return f"{parts[0]}<sub>{parts[1]}</sub><sup>{parts[2]}</sup>"
    if tag == "munder" and len(parts) == 2:
        return f"{parts[0]}<sub>{parts[1]}</sub>"
    if tag == "mover" and len(parts) == 2:
        over = re.sub(r"<[^>]+>", "", parts[1]).strip()
        if over in _ACCENTS:
            return f"{parts[0]}{_ACCENTS[over]}"
        return f"{parts[0]}<sup>{parts[1]}</sup>"
    if tag == "mfrac" and len(parts) == 2:
        return f"{group(0)}/{group(1)}"
    if tag == "msqrt":
        inner = "".join(parts)
        return f"√{inner}" if len(kids) == 1 and len(re.sub(r"<[^>]+>", "", inner)) <= 1 \
            else f"√({inner})"
    if tag == "mroot" and len(parts) == 2:
        return f"<sup>{parts[1]}</sup>√{group(0)}"
    if tag == "mtr":
        return " ".join(parts)
    if tag == "mtable":
        return "; ".join(parts)
    return "".join(parts)


def math_as_text(page_html: str) -> str:
    """Each <math> element of a page written out as text with <sub> and <sup> (see above)."""
    import xml.etree.ElementTree as ET

    def one(m):
        try:
            root = ET.fromstring(m.group(0).replace("&nbsp;", "\u00a0"))
        except ET.ParseError:
            return html.escape(re.sub(r"<[^>]+>", "", m.group(0)), quote=False)
        return unicodedata.normalize("NFC", re.sub(r" {2,}", " ", _text(root)).strip())
    return MATH.sub(one, page_html)
