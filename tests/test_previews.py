"""Reference previews in real Chromium, on the fixture blog: hovering or focusing a citation shows
its bibliography entry, an equation reference shows the equation's MathML, on the same page and
across posts; Escape closes it; no request leaves the site."""

from __future__ import annotations

from urllib.parse import urljoin, urlparse

import pytest

from folio.pipeline import BuildOptions, build
from tests.site_server import SiteServer
from tests.test_browser import ARGS, CHROMIUM
from tests.test_readers import readers_project


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    proj = readers_project(tmp_path_factory.mktemp("previews") / "blog")
    result = build(proj, BuildOptions(jobs=2))
    assert result.ok, result.problems
    with SiteServer(proj.site_dir) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        off_site = []

        def route(r):
            if urlparse(r.request.url).hostname not in ("127.0.0.1", None):
                off_site.append(r.request.url)
                return r.abort()
            return r.continue_()

        pg.route("**/*", route)
        pg.goto(urljoin(server.base, "blog/gamma/"), wait_until="networkidle")
        yield pg
        assert off_site == []
        browser.close()


TIP = "#folio-preview"


def _tip(pg) -> dict:
    return pg.evaluate("""() => { const t = document.getElementById('folio-preview');
        return t ? {hidden: t.hidden, text: t.textContent, math: t.querySelectorAll('math').length,
                    width: t.getBoundingClientRect().width,
                    described: Array.from(document.querySelectorAll('[aria-describedby=folio-preview]')).length}
                 : null; }""")


def test_hovering_a_citation_shows_its_entry(page):
    page.hover('a.folio-cite[href="#ref-purcell1977"]')
    page.wait_for_selector(TIP, state="visible")
    tip = _tip(page)
    assert "Life at low" in tip["text"] and "American Journal of Physics" in tip["text"]
    assert tip["width"] > 0 and tip["described"] == 1
    page.mouse.move(5, 5)
    page.wait_for_selector(TIP, state="hidden")


def test_focusing_an_equation_reference_shows_the_equation_and_escape_closes_it(page):
    page.focus('a[href="#eq-gamma-sum"]')
    page.wait_for_selector(TIP, state="visible")
    tip = _tip(page)
    assert tip["math"] == 1 and "n(n+1)" in page.eval_on_selector(f"{TIP} math", "m => m.getAttribute('alttext')")
    page.keyboard.press("Escape")
    page.wait_for_selector(TIP, state="hidden")
    assert _tip(page)["described"] == 0


def test_keyboard_tab_reaches_a_citation_and_shows_it(page):
    page.focus('a[href="#eq-gamma-sum"]')
    page.keyboard.press("Tab")  # the next link in the text: the first citation after it
    page.wait_for_selector(TIP, state="visible")
    assert "Faulhaber" in _tip(page)["text"]
    page.keyboard.press("Escape")


def test_a_reference_to_another_posts_equation_shows_that_equation(page):
    page.hover('a[href$="alpha/#eq-alpha-squares"]')
    page.wait_for_selector(TIP, state="visible")
    alt = page.eval_on_selector(f"{TIP} math", "m => m.getAttribute('alttext')")
    assert "(2n+1)" in alt  # alpha's sum of squares, fetched from its page on this site
    page.mouse.move(5, 5)
    page.wait_for_selector(TIP, state="hidden")
