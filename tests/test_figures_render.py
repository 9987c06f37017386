"""Every figure looks in a reader's browser as matplotlib drew it, and stays within its budget.

Each committed SVG under figures/ is rendered in Chromium at 2 device pixels per CSS pixel and
compared (tests/figure_compare.py) with matplotlib's own raster of the same drawing, which the
build keeps in build/figure-raster/ (``make test`` builds first). The comparison is shown to
catch a wrong glyph: the figures as published before (text left to the reader's fonts, where
f'(x) came out as f⁰(x)) and an SVG with one glyph swapped both fail it.
"""

from __future__ import annotations

import base64
import re
import shutil
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


def shown(cpage, svg: bytes, width: int, height: int, background) -> "np.ndarray":
    """The SVG as Chromium draws it in an <img> at its own size: a grey image at SCALE."""
    cpage.set_viewport_size({"width": width + 8, "height": height + 8})
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    cpage.set_content(f'<body style="margin:0"><img id="f" style="display:block" src="{uri}"></body>')
    cpage.wait_for_function("() => document.getElementById('f').complete")
    png = cpage.screenshot(clip={"x": 0, "y": 0, "width": width, "height": height},
                          omit_background=True)
    return grey(png, background)


def compare(cpage, svg: bytes, png: bytes, scheme: str) -> list:
    reference = grey(png, BACKGROUND[scheme])
    h, w = reference.shape
    return mismatch(reference, shown(cpage, svg, w // SCALE, h // SCALE, BACKGROUND[scheme]))


@pytest.mark.parametrize("name", SVGS or ["<no figures>"])
def test_figure_looks_as_matplotlib_drew_it(name, cpage):
    svg = FIGURES / name
    assert svg.is_file(), "no SVG under figures/"
    scheme = "dark" if svg.stem.endswith("-dark") else "light"
    raster = RASTERS / svg.parent.name / f"{svg.stem}.png"
    assert raster.is_file(), (
        f"{raster.relative_to(REPO)} is missing: figures/{name} was not drawn by this build "
        "through folio.figure() (run `make site`, which writes matplotlib's raster of each figure)")
    blobs = compare(cpage, svg.read_bytes(), raster.read_bytes(), scheme)
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


def test_one_wrong_glyph_fails(cpage):
    """The prime of f'(x) replaced by a '0' glyph, the f⁰(x) readers saw: nothing else changes."""
    drawn = render(draw_glyphs, LIGHT, (4.0, 2.6))
    svg = drawn.svg
    prime = re.search(r'xlink:href="#(Cmsy10-[0-9a-f]+)"', svg)
    assert prime, "the legend's prime is not a cmsy10 glyph any more: update this test"
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = FT2Font(font_manager.findfont("DejaVu Sans"))
    zero = f"DejaVuSans-{font.get_char_index(ord('0')):x}"
    assert f'id="{zero}"' in svg, f"no glyph {zero} defined in the SVG: update this test"
    broken = svg.replace(f'xlink:href="#{prime.group(1)}"', f'xlink:href="#{zero}"', 1)
    blobs = compare(cpage, broken.encode(), drawn.png, "light")
    assert blobs, "a swapped glyph passed the comparison"
    # The mismatch is where the legend is (centre of the axes), and small: one glyph.
    assert sum(b.pixels for b in blobs) < 400, describe(blobs)
