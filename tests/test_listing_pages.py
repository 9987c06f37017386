"""The blog's listings (the front page and the blog index) in real Chromium, on a phone: an excerpt
card below the first screen is not rendered until the reader scrolls near it, so the first screen
does not wait for the math font that a formula further down needs; once rendered, a card is laid
out as it would be without that (folio.css), and a formula wider than the screen in a block that
was skipped becomes focusable when it is rendered (folio.js), as one on the first screen is.

Runs against build/site (``make test`` builds it first)."""

from __future__ import annotations

import pytest

from tests.test_browser import (  # noqa: F401 - server is a fixture
    ARGS, CHROMIUM, NEXT_FRAME, UNREACHABLE, scroll_through, server)

PHONE = {"width": 412, "height": 823}
MATH_FONT = "dejavu-math.woff2"
CARDS = """() => Array.from(document.querySelectorAll('.md-post--excerpt')).map(
  el => Math.round(el.getBoundingClientRect().height))"""
@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("path", ["", "blog/"])
def test_listing_fetches_the_math_font_only_when_a_formula_comes_into_view(path, server, chromium):
    page = chromium.new_page(viewport=PHONE)
    fonts: list[str] = []
    page.on("request", lambda r: fonts.append(r.url) if MATH_FONT in r.url else None)
    try:
        page.goto(server.base + path, wait_until="networkidle")
        page.evaluate(NEXT_FRAME)
        assert page.evaluate("() => document.querySelectorAll('.md-post--excerpt math').length") > 0, \
            "no excerpt on this page has a formula: the test checks nothing"
        first_screen = list(fonts)
        scroll_through(page)
        page.wait_for_function("() => document.fonts.status === 'loaded'")
    finally:
        page.close()
    assert first_screen == [], f"{path or 'front page'}: the math font was fetched for the first screen"
    assert len(fonts) == 1, f"{path or 'front page'}: the math font was not fetched once scrolled to"


@pytest.mark.parametrize("path", ["", "blog/"])
def test_skipped_cards_keep_their_layout(path, server, chromium):
    page = chromium.new_page(viewport=PHONE)
    try:
        page.goto(server.base + path)
        scroll_through(page)
        skipped = page.evaluate(CARDS)
        page.add_style_tag(content=".md-post--excerpt { content-visibility: visible !important }")
        page.evaluate(NEXT_FRAME)
        plain = page.evaluate(CARDS)
    finally:
        page.close()
    assert len(skipped) >= 2
    assert [abs(a - b) <= 2 for a, b in zip(skipped, plain)] == [True] * len(plain), (skipped, plain)


WIDE = ('<span class="folio-math" id="wide"><math display="inline"><mrow>'
        + '<mi>x</mi><mo>+</mo>' * 60 + '<mi>x</mi></mrow></math></span>')


def test_a_wide_formula_in_a_card_off_screen_is_focusable_once_rendered(server, chromium):
    """The front page with a formula wider than a phone in its last card (off screen at load):
    once the reader scrolls to it, it is focusable, as a wide formula on the first screen is."""
    page = chromium.new_page(viewport=PHONE)

    def widen(route):
        response = route.fetch()
        body = response.text()
        last = body.rindex('<article class="md-post md-post--excerpt">')
        cut = body.index("<p>", last) + len("<p>")
        route.fulfill(response=response, body=body[:cut] + WIDE + " " + body[cut:])

    page.route(server.base, widen)
    try:
        page.goto(server.base, wait_until="networkidle")
        on_load = page.evaluate("() => document.getElementById('wide').getBoundingClientRect().top")
        scroll_through(page)
        wide = page.evaluate("() => { const el = document.getElementById('wide'); return [el.scrollWidth > "
                             "el.clientWidth, el.getAttribute('tabindex'), el.getAttribute('role')]; }")
    finally:
        page.close()
    assert on_load > 2 * PHONE["height"], "the formula's card is on the first screen: the test checks nothing"
    assert wide == [True, "0", "group"], wide
