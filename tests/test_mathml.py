"""The MathML folio writes for TeX: what latex2mathml gets wrong is fixed, and math reads as math
everywhere a reader meets a post's text (post pages, listings, the feed, search results).

The site checks read build/site (``make test`` builds it first).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from folio.render.mathml import math_as_text, to_mathml

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "build" / "site"
TEX = re.compile(r"\\\(|\\\[|\\begin\{|\\frac\b|\\langle\b")
# Where TeX may stand as it is: code (matplotlib labels in a post's code) and the MathML's
# accessible name.
NOT_PROSE = re.compile(r'<pre\b.*?</pre>|<code\b.*?</code>|alttext="[^"]*"', re.S)


def raw_tex(html_text: str):
    return TEX.search(NOT_PROSE.sub("", html_text))


def _mo(mathml: str) -> list[tuple[str, str]]:
    """(attributes, text) of each <mo>."""
    return re.findall(r"<mo((?: [^>]*)?)>([^<]*)</mo>", mathml)


MINUS = "&#x02212;"


@pytest.mark.parametrize("tex", [r"\log(-2\eta_2)", r"a = -b", r"\left[-\frac{1}{2}\right]",
                                 r"f(x, -y)", r"x = - - y"])
def test_a_sign_after_an_operator_is_prefix(tex):
    signs = [(a, t) for a, t in _mo(to_mathml(tex, display=True)) if t == MINUS]
    assert signs and all('form="prefix"' in a for a, _ in signs), signs


@pytest.mark.parametrize("tex", [r"a - b", r"f(x) - 1", r"\|x\| - 1", r"x_i - y^2", r"n! - 1"])
def test_a_sign_between_operands_stays_binary(tex):
    signs = [(a, t) for a, t in _mo(to_mathml(tex, display=True)) if t == MINUS]
    assert signs and not any("form=" in a for a, _ in signs), signs


def test_left_right_fences_stretch():
    mos = _mo(to_mathml(r"\left( \frac{a}{b} \right)", display=True))
    fences = [(a, t) for a, t in mos if t in ("&#x00028;", "&#x00029;")]
    assert len(fences) == 2 and all('stretchy="true"' in a for a, _ in fences), fences
    # A plain parenthesis keeps its size, as in TeX.
    plain = _mo(to_mathml(r"( \frac{a}{b} )", display=True))
    assert all('stretchy="false"' in a for a, t in plain if t in ("&#x00028;", "&#x00029;"))


@pytest.mark.parametrize("tex, text", [
    (r"\langle x^2\rangle = 2Dt", "⟨x<sup>2</sup>⟩ = 2Dt"),
    (r"D = \frac{\sigma^2}{2\tau_0}", "D = σ<sup>2</sup>/(2τ<sub>0</sub>)"),
    (r"\hat{y} = \sqrt{x+1}", "ŷ = √(x+1)"),
    (r"t^{\alpha}", "t<sup>α</sup>"),
])
def test_math_as_text_for_search(tex, text):
    assert math_as_text(f"<p>{to_mathml(tex, display=False)}</p>") == f"<p>{text}</p>"


# --- the built site --------------------------------------------------------------------------------

def _site(path: str) -> str:
    if not (SITE / "sitemap.xml").is_file():
        pytest.fail("build/site is missing: run `make site` (make test builds it first)")
    return (SITE / path).read_text(encoding="utf-8")


def _listings() -> list[Path]:
    blog = SITE / "blog"
    pages = [blog / "index.html"]
    for sub in ("archive", "category", "page"):
        pages += sorted((blog / sub).rglob("index.html")) if (blog / sub).is_dir() else []
    return pages


EXCERPT = re.compile(r'<div class="md-post__content md-typeset">(.*?)</article>', re.S)


def test_listings_show_math_not_tex():
    _site("sitemap.xml")
    pages = _listings()
    assert len(pages) > 3, pages
    seen_math = 0
    for page in pages:
        excerpts = EXCERPT.findall(page.read_text(encoding="utf-8"))
        assert excerpts, f"{page.relative_to(SITE)}: no post excerpts found"
        for ex in excerpts:
            tex = raw_tex(ex)
            assert not tex, f"{page.relative_to(SITE)}: raw TeX in an excerpt: {tex.string[tex.start():][:80]!r}"
            seen_math += ex.count("<math ")
            assert 'class="arithmatex"' not in ex, f"{page.relative_to(SITE)}: math left as TeX"
    # The anomalous-diffusion excerpt alone has ⟨x²⟩ = 2Dt and t^α, on several listings.
    assert seen_math >= 6, seen_math


def test_blog_index_excerpt_has_the_formula_as_mathml():
    index = _site("blog/index.html")
    assert 'alttext="\\langle x^2\\rangle = 2Dt"' in index


def test_feed_items_show_math_not_tex():
    feed = _site("feed_rss_created.xml")
    items = re.findall(r"<description>(.*?)</description>", feed, re.S)[1:]  # [0]: the channel
    assert items
    for body in items:
        text = html.unescape(body)
        tex = raw_tex(text)
        assert not tex, tex.string[tex.start():][:120]
    assert sum(html.unescape(b).count("<math ") for b in items) > 50


def test_search_results_show_math_as_text():
    docs = json.loads(_site("search/search_index.json"))["docs"]
    texts = {d["location"]: d["text"] for d in docs}
    for loc, text in texts.items():
        assert "<math" not in text and "<mi>" not in text, loc
        tex = raw_tex(text)
        assert not tex, f"{loc}: raw TeX in the search index: {tex.string[tex.start():][:120]!r}"
    first = texts["blog/anomalous-diffusion/"]
    assert "⟨x<sup>2</sup>⟩ = 2Dt" in first, first[:300]
