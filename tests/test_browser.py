"""Every page of the built site, in real Chromium, as a reader sees it.

Runs against build/site (``make test`` builds it first). For each page in the sitemap: no console
or page error, no failed request and no request off this machine; every image loaded, with the
variant that matches the colour scheme, in light and in dark mode; every math element rendered with
a width, and as many display equations as the post's source has; every internal link and anchor
resolves; nothing overflows a 375 px viewport; the scheme toggle works. Screenshots of each post
(light and dark) go to build/screenshots/.
"""

from __future__ import annotations

import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from folio.parse import read_post
from tests.site_server import SiteServer, sitemap_pages

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "build" / "site"
SHOTS = REPO / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _pages():
    if not (SITE / "sitemap.xml").is_file():
        return ["<site not built>"]
    return sitemap_pages(SITE)


@pytest.fixture(scope="module")
def server():
    if not (SITE / "sitemap.xml").is_file():
        pytest.fail("build/site is missing: run `make site` (make test builds it first)")
    with SiteServer(SITE) as s:
        yield s


@pytest.fixture(scope="module")
def playwright_module():
    """One Playwright per module: the sync API cannot run two at once."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_module):
    b = playwright_module.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield b
    b.close()


class _Links:
    """Status and element ids of each internal URL, fetched once for the whole run."""

    def __init__(self):
        self.cache: dict[str, tuple[int, set[str]]] = {}

    def get(self, url: str) -> tuple[int, set[str]]:
        if url not in self.cache:
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    body = r.read()
                    ids = set()
                    if "html" in r.headers.get("Content-Type", ""):
                        ids = set(re.findall(rb'\bid="([^"]+)"', body))
                        ids = {i.decode() for i in ids}
                    self.cache[url] = (r.status, ids)
            except urllib.error.HTTPError as e:
                self.cache[url] = (e.code, set())
        return self.cache[url]


LINKS = _Links()

COLLECT = """() => {
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const inClosed = el => { for (let d = el.closest('details'); d; d = d.parentElement && d.parentElement.closest('details')) { if (!d.open) return true; } return false; };
  const content = document.querySelector('.md-content') || document.body;
  return {
    scheme: document.body.getAttribute('data-md-color-scheme'),
    images: Array.from(content.querySelectorAll('img')).filter(i => !inClosed(i)).map(i => ({
      src: i.getAttribute('src'), complete: i.complete, natural: i.naturalWidth, shown: visible(i)})),
    math: Array.from(content.querySelectorAll('math')).filter(m => !inClosed(m)).map(m => ({
      width: m.getBoundingClientRect().width, tex: (m.getAttribute('alttext') || '').slice(0, 60)})),
    errors: content.querySelectorAll('merror, .MathJax_Error, .katex-error').length,
    display: content.querySelectorAll('.folio-equation').length,
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""


def _post_equations(path: str) -> int | None:
    m = re.fullmatch(r"blog/([a-z0-9-]+)/", path)
    if not m or not (REPO / "posts" / m.group(1) / "index.md").is_file():
        return None
    return len(read_post(REPO / "posts" / m.group(1) / "index.md").equations)


def _load_all_images(page) -> None:
    # Lazy images load when scrolled to; make them eager so the check sees every one.
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=15000)


def _image_problems(info: dict, scheme: str) -> list[str]:
    problems = []
    hidden_variant = "#only-dark" if scheme == "light" else "#only-light"
    for img in info["images"]:
        src = img["src"] or ""
        if src.endswith(hidden_variant):
            if img["shown"]:
                problems.append(f"{scheme} mode shows the other scheme's image {src}")
            continue
        if img["natural"] == 0:
            problems.append(f"image did not load in {scheme} mode: {src}")
        elif not img["shown"]:
            problems.append(f"image is hidden in {scheme} mode: {src}")
    return problems


@pytest.mark.parametrize("path", _pages())
def test_page(path, server, browser):
    base = server.base
    url = urljoin(base, path)
    problems: list[str] = []
    off_site: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})")
            if urlparse(r.url).hostname == "127.0.0.1" else None)

    def route(r):
        host = urlparse(r.request.url).hostname
        if host not in ("127.0.0.1", None) and not r.request.url.startswith("data:"):
            off_site.append(r.request.url)
            return r.abort()
        return r.continue_()

    page.route("**/*", route)
    try:
        response = page.goto(url, wait_until="networkidle")
        assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
        _load_all_images(page)
        light = page.evaluate(COLLECT)
        problems += _image_problems(light, "light")
        for m in light["math"]:
            if m["width"] <= 0:
                problems.append(f"math has no width: {m['tex']!r}")
        if light["errors"]:
            problems.append(f"{light['errors']} math error node(s)")
        expected = _post_equations(path)
        if expected is not None and light["display"] != expected:
            problems.append(f"{light['display']} display equations rendered, the source has {expected}")

        slug = path.strip("/").replace("/", "_") or "home"
        is_post = expected is not None
        if is_post:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{slug}-light.png"), full_page=True)

        # The scheme toggle: the header button switches to slate and the dark images show.
        toggle = page.locator("label.md-header__button[for^='__palette']:visible").first
        toggle.click()
        page.wait_for_function("() => document.body.getAttribute('data-md-color-scheme') === 'slate'",
                               timeout=5000)
        _load_all_images(page)
        dark = page.evaluate(COLLECT)
        problems += _image_problems(dark, "dark")
        if is_post:
            page.screenshot(path=str(SHOTS / f"{slug}-dark.png"), full_page=True)

        # Internal links and anchors.
        for href in sorted(set(light["links"])):
            target, fragment = urldefrag(href)
            if not target.startswith(base):
                continue
            status, ids = LINKS.get(target)
            if status != 200:
                problems.append(f"link {href} -> HTTP {status}")
            elif fragment and target.endswith("/") and fragment not in ids:
                problems.append(f"link {href}: no element with id {fragment!r}")

        # A phone: nothing wider than 375 px.
        page.set_viewport_size({"width": 375, "height": 800})
        page.wait_for_function("() => window.innerWidth === 375")
        page.evaluate(NEXT_FRAME)  # the layout at the new width
        over = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if over > 1:
            problems.append(f"content overflows a 375 px viewport by {over} px")
    finally:
        context.close()
    problems += [f"request off this machine: {u}" for u in off_site]
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


# Resolves once the browser has run two animation frames: style, layout and paint are done for
# whatever changed before the call (an event, where a fixed wait would guess).
NEXT_FRAME = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"

BLOCKS = """() => Array.from(document.querySelector('article').children).map(el =>
  [el.tagName + '.' + el.className, Math.round(el.getBoundingClientRect().height)])"""


def _post_paths() -> list[str]:
    return [p for p in _pages() if _post_equations(p) is not None] or ["<site not built>"]


# Formulas wider than their box that a keyboard cannot reach.
UNREACHABLE = """() => Array.from(document.querySelectorAll('.folio-math'))
  .filter(el => el.scrollWidth > el.clientWidth && el.getAttribute('tabindex') !== '0')
  .map(el => (el.querySelector('math') || el).getAttribute('alttext') || el.textContent.slice(0, 40))"""


def scroll_through(page) -> None:
    """Every block comes near the screen once, as a reader scrolls; the page's end is read again
    as blocks take their real heights."""
    y = 0
    while y < page.evaluate("() => document.documentElement.scrollHeight") + 400:
        page.evaluate(f"() => window.scrollTo(0, {y})")
        page.evaluate(NEXT_FRAME)  # laid out and painted at this position
        y += 400


@pytest.mark.parametrize("path", _post_paths())
def test_wide_formulas_can_be_scrolled_from_the_keyboard(path, server, browser):
    """On a phone, every formula wider than its line is focusable (WCAG 2.1.1) once the reader
    has scrolled to it: folio.js marks those in blocks the browser skipped at load when they
    are rendered."""
    page = browser.new_page(viewport={"width": 412, "height": 823})
    try:
        page.goto(urljoin(server.base, path), wait_until="networkidle")
        scroll_through(page)
        page.evaluate("() => document.fonts.ready.then(() => null)")  # as a reader has it by now
        page.evaluate(NEXT_FRAME)
        unreachable = page.evaluate(UNREACHABLE)
    finally:
        page.close()
    assert not unreachable, f"{path}: formulas wider than the screen a keyboard cannot reach: {unreachable}"


def test_skipped_blocks_keep_their_layout(server, browser):
    """folio.css lets the browser skip rendering off-screen blocks (content-visibility). Once
    rendered, each block is as tall as without the property: containment changes no margins."""
    page = browser.new_page(viewport={"width": 412, "height": 823})
    try:
        url = server.base + "blog/glm-130b-on-one-machine/"
        page.goto(url)
        scroll_through(page)  # every block becomes rendered
        skipped = page.evaluate(BLOCKS)
        page.add_style_tag(content="article > * { content-visibility: visible !important }")
        page.evaluate(NEXT_FRAME)
        plain = page.evaluate(BLOCKS)
    finally:
        page.close()
    assert any(tag.startswith("DIV.highlight") for tag, _ in skipped)
    differ = [(a, b) for a, b in zip(skipped, plain) if abs(a[1] - b[1]) > 2]
    assert differ == [], differ


# --- math layout, with classic scrollbars -----------------------------------------------------------
# Playwright starts Chromium with --hide-scrollbars; readers on Linux and Windows have classic
# scrollbars that take room, so a box that overflows by a pixel shows a scroll control.

MATH_BOXES = """() => {
  const out = [];
  const boxes = document.querySelectorAll(
    '.md-content .folio-equation, .md-content .folio-equation *, .md-content .folio-math, .md-content .arithmatex');
  for (const el of boxes) {
    if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml') continue;  // MathML inside
    const cs = getComputedStyle(el);
    if (cs.display.startsWith('inline') && cs.display !== 'inline-block') continue;
    const px = v => parseFloat(v) || 0;
    const vbar = el.offsetWidth - el.clientWidth - px(cs.borderLeftWidth) - px(cs.borderRightWidth);
    const hbar = el.offsetHeight - el.clientHeight - px(cs.borderTopWidth) - px(cs.borderBottomWidth);
    const what = (el.className || el.tagName) + ' ' + ((el.querySelector('math') || el).getAttribute('alttext') || '').slice(0, 50);
    if (vbar > 0) out.push(`a vertical scroll control on ${what} (${el.scrollHeight} px of content in ${el.clientHeight})`);
    if (hbar > 0 && el.scrollWidth <= el.clientWidth) out.push(`a horizontal scroll control on ${what}, which does not overflow`);
  }
  return out;
}"""

# Every \\left ... \\right fence around a fraction is at least as tall as the fraction.
FENCES = """() => {
  const out = [];
  for (const mo of document.querySelectorAll('.md-content mo[stretchy="true"][fence="true"]')) {
    if (!mo.textContent.trim()) continue;  // \\left. and \\right. draw nothing
    const row = mo.parentElement;
    const fracs = Array.from(row.children).filter(c => c.tagName.toLowerCase() === 'mfrac');
    if (!fracs.length) continue;
    const tallest = Math.max(...fracs.map(f => f.getBoundingClientRect().height));
    const h = mo.getBoundingClientRect().height;
    if (h < 0.9 * tallest) out.push(`a fence ${Math.round(h)} px tall beside a fraction ${Math.round(tallest)} px tall in ` +
                                    (row.closest('math').getAttribute('alttext') || '').slice(0, 60));
  }
  return out;
}"""


@pytest.fixture(scope="module")
def classic_scrollbars(playwright_module):
    b = playwright_module.chromium.launch(executable_path=CHROMIUM, args=ARGS,
                                          ignore_default_args=["--hide-scrollbars"])
    yield b
    b.close()


@pytest.mark.parametrize("path", _post_paths() + ["blog/"])
def test_math_boxes_scroll_only_sideways_when_needed(path, server, classic_scrollbars):
    page = classic_scrollbars.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(urljoin(server.base, path))
        page.wait_for_function("() => document.fonts.status === 'loaded'")
        probe = page.evaluate("() => { const d = document.createElement('div'); d.style.cssText = "
                              "'overflow:scroll;width:50px;height:50px'; document.body.append(d); "
                              "const w = d.offsetWidth - d.clientWidth; d.remove(); return w; }")
        assert probe > 0, "Chromium was started with overlay or hidden scrollbars"
        # Measure every block, including those the browser would skip while off screen.
        page.add_style_tag(content="article > * { content-visibility: visible !important }")
        problems = page.evaluate(MATH_BOXES) + page.evaluate(FENCES)
    finally:
        page.close()
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


def test_search_results_show_math(server, browser):
    """A search result quotes the post's text with its formula written out (⟨x²⟩ = 2Dt), not TeX
    and not the formula's symbols run together."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(server.base + "blog/")
        query = page.locator("input.md-search__input")
        query.click()
        # The index loads in a worker; a query typed before it is ready is not run.
        page.wait_for_function("() => { const m = document.querySelector('.md-search-result__meta');"
                               " return m && !/Initializing/i.test(m.textContent); }", timeout=30000)
        query.press_sequentially("anomalous diffusion")  # keystrokes, as a reader types
        item = page.locator(".md-search-result__item").filter(has_text="Anomalous").first
        item.wait_for(timeout=30000)
        body = item.inner_html()
    finally:
        page.close()
    assert "⟨x<sup>2</sup>⟩ = 2Dt" in body, body[:400]
    assert "\\(" not in body and "x2⟩" not in body
