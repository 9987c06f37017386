"""Every figure looks in a reader's browser as matplotlib drew it, and stays within its budget.

Each committed SVG under figures/ is rendered in Chromium at 2 device pixels per CSS pixel and
compared (tests/figure_compare.py) with matplotlib's own raster of the same drawing, which the
build keeps in build/figure-raster/ (``make test`` builds first). The comparison is shown to
catch a wrong glyph: the figures as published before (text left to the reader's fonts, where
f'(x) came out as f⁰(x)) and an SVG with one glyph swapped both fail it.

Measured on the committed figures and the broken ones below (blur 1.5 device px, threshold
0.15): the committed figures leave no blob over 13 device pixels; text left to the reader's fonts
leaves blobs of 55 px and more, the f'(x) prime replaced by a '0' 59 px, an 's' replaced by a 'z'
30 px. Blobs under 20 px are not counted.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib
import pytest

from folio.runtime import budget
from folio.runtime.figures import DARK, LIGHT, render
from tests.figure_compare import BACKGROUND, SCALE, describe, grey, mismatch

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parent.parent
FIGURES = REPO / "figures"
RASTERS = REPO / "build" / "figure-raster"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SVGS = sorted(p.relative_to(FIGURES).as_posix() for p in FIGURES.glob("*/*.svg"))


@pytest.fixture(scope="module")
def cpage():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(device_scale_factor=SCALE)
        yield pg
        browser.close()


def screenshot(cpage, svg: bytes, width: int, height: int) -> bytes:
    """The SVG as Chromium draws it in an <img> at its own size (CSS pixels), as a PNG at SCALE."""
    cpage.set_viewport_size({"width": width + 8, "height": height + 8})
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    cpage.set_content(f'<body style="margin:0"><img id="f" style="display:block" src="{uri}"></body>')
    cpage.wait_for_function("() => document.getElementById('f').complete")
    return cpage.screenshot(clip={"x": 0, "y": 0, "width": width, "height": height},
                            omit_background=True)


def css_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    w, h = Image.open(io.BytesIO(png)).size  # reads the header only
    return w // SCALE, h // SCALE


def compare_pngs(reference: bytes, shot: bytes, scheme: str) -> list:
    return mismatch(grey(reference, BACKGROUND[scheme]), grey(shot, BACKGROUND[scheme]))


def compare(cpage, svg: bytes, png: bytes, scheme: str) -> list:
    return compare_pngs(png, screenshot(cpage, svg, *css_size(png)), scheme)


def _raster(name: str) -> Path:
    svg = FIGURES / name
    return RASTERS / svg.parent.name / f"{svg.stem}.png"


@pytest.fixture(scope="module")
def mismatches(cpage):
    """Every committed figure compared: Chromium draws the next figure while two threads decode
    and compare the last ones. {name: blobs}, or None where matplotlib's raster is missing."""
    out, pending = {}, {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for name in SVGS:
            raster = _raster(name)
            if not raster.is_file():
                out[name] = None
                continue
            scheme = "dark" if name.endswith("-dark.svg") else "light"
            reference = raster.read_bytes()
            shot = screenshot(cpage, (FIGURES / name).read_bytes(), *css_size(reference))
            pending[name] = pool.submit(compare_pngs, reference, shot, scheme)
        out.update({name: f.result() for name, f in pending.items()})
    return out


@pytest.mark.parametrize("name", SVGS or ["<no figures>"])
def test_figure_looks_as_matplotlib_drew_it(name, mismatches):
    assert name in mismatches, "no SVG under figures/"
    raster = _raster(name)
    assert mismatches[name] is not None, (
        f"{raster.relative_to(REPO)} is missing: figures/{name} was not drawn by this build "
        "through folio.figure() (run `make site`, which writes matplotlib's raster of each figure)")
    blobs = mismatches[name]
    assert not blobs, (f"figures/{name} in Chromium differs from matplotlib's raster: "
                       f"{describe(blobs)}")


@pytest.mark.parametrize("name", SVGS or ["<no figures>"])
def test_published_figure_within_budget(name):
    size = (FIGURES / name).stat().st_size
    assert size <= budget.BUDGET, f"figures/{name} is {budget.kb(size)}, over {budget.kb(budget.BUDGET)}"


# --- the comparison catches a wrong glyph --------------------------------------------------------

def draw_glyphs(fig, theme):
    """The glyphs readers saw wrong: a mathtext prime (cmsy10) and a radical (STIX)."""
    ax = fig.subplots()
    ax.plot([0, 1, 2], [0, 1, 0], label=r"$f'(x)$")
    ax.plot([0, 1, 2], [1, 0, 1], label=r"$\sqrt{\mathrm{rank}}\;\|A\|_2$")
    ax.set_xlabel("step size")
    ax.legend(loc="center")


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
def test_figures_as_drawn_now_match(theme, cpage):
    drawn = render(draw_glyphs, theme, (4.0, 2.6))
    assert compare(cpage, drawn.svg.encode(), drawn.png, theme.name) == []


def test_text_left_to_the_readers_fonts_fails(cpage, monkeypatch):
    """How figures were published before: svg.fonttype none. The prime and the radical come from
    fonts the browser does not have, and the comparison says where."""
    rc = dict(LIGHT.rc, **{"svg.fonttype": "none"})
    monkeypatch.setattr(type(LIGHT), "rc", property(lambda self: rc))
    drawn = render(draw_glyphs, LIGHT, (4.0, 2.6))
    assert "<text" in drawn.svg
    blobs = compare(cpage, drawn.svg.encode(), drawn.png, "light")
    assert blobs, "text drawn by the reader's fonts passed the comparison"


def _glyph_id(ch: str) -> str:
    """The id matplotlib gives a DejaVu Sans glyph in an SVG (font name, glyph index in hex)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = FT2Font(font_manager.findfont("DejaVu Sans"))
    return f"DejaVuSans-{font.get_char_index(ord(ch)):x}"


@pytest.mark.parametrize("swap", ["prime->0", "s->z"])
def test_one_wrong_glyph_fails(swap, cpage):
    """One glyph of the SVG replaced by another, everything else as drawn: the prime of f'(x) by
    a '0' (the f⁰(x) readers saw), or the first 's' of the axis label by a 'z'."""
    drawn = render(draw_glyphs, LIGHT, (4.0, 2.6))
    svg = drawn.svg
    if swap == "prime->0":
        prime = re.search(r'xlink:href="#(Cmsy10-[0-9a-f]+)"', svg)
        assert prime, "the legend's prime is not a cmsy10 glyph any more: update this test"
        old, new = prime.group(1), _glyph_id("0")
    else:
        old, new = _glyph_id("s"), _glyph_id("z")
    assert f'xlink:href="#{old}"' in svg and f'id="{new}"' in svg, "glyph ids changed: update this test"
    broken = svg.replace(f'xlink:href="#{old}"', f'xlink:href="#{new}"', 1)
    assert broken != svg
    blobs = compare(cpage, broken.encode(), drawn.png, "light")
    assert blobs, f"a swapped glyph ({swap}) passed the comparison"
    # One glyph's worth of difference, not the whole figure.
    assert sum(b.pixels for b in blobs) < 600, describe(blobs)
