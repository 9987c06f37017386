"""Figures from a post's code, drawn twice: once for the light scheme and once for the dark.

    def draw(fig, theme):
        ax = fig.subplots()
        ax.plot(x, y, color=theme.colors[0])

    figure("loss-curve", draw, caption="Loss against iteration for three step sizes.")

The kernel only emits both SVGs as display data; the renderer writes them to ``figures/<slug>/``.
SVG bytes are deterministic: a fixed hash salt, no date.

Text is drawn as outlines (``svg.fonttype: path``), not as text for the reader's fonts to draw.
A figure is shown with ``<img>``, where its text can be neither selected, found nor read aloud
(the alt text and caption carry it), so outlines lose the reader nothing, and they are the only
way a browser draws exactly the glyphs matplotlib drew: its mathtext takes primes, roots and big
operators from Computer Modern and STIX fonts no reader has installed, and DejaVu Sans, the text
font that ships with matplotlib, is missing on most readers' machines. Each glyph's outline is
written once per figure and reused, which costs about 15 KB a figure.

Each figure also carries matplotlib's own raster of the same drawing (Agg, twice the CSS pixel
density, text from the same outlines): the build keeps it under
``build/figure-raster/`` so a test can hold the browser's rendering of the SVG against it.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass

from .budget import fit_budget
from .mimetypes import FIGURE


@dataclass(frozen=True)
class Theme:
    name: str
    fg: str
    muted: str
    grid: str
    colors: tuple[str, ...]

    @property
    def rc(self) -> dict:
        return {
            "svg.hashsalt": "folio",
            "svg.fonttype": "path",
            # Rasterized artists are drawn without snapping to the pixel grid, which would turn
            # a bar a tenth of a pixel wide into a whole dark pixel (vectors are never snapped
            # in SVG).
            "path.snap": False,
            "font.family": "DejaVu Sans",
            "mathtext.fontset": "dejavusans",
            "font.size": 11,
            "text.color": self.fg,
            "axes.labelcolor": self.fg,
            "axes.edgecolor": self.muted,
            "axes.titlecolor": self.fg,
            "axes.prop_cycle": __import__("cycler").cycler(color=list(self.colors)),
            "axes.grid": True,
            "grid.color": self.grid,
            "grid.linewidth": 0.6,
            "xtick.color": self.muted,
            "ytick.color": self.muted,
            "xtick.labelcolor": self.fg,
            "ytick.labelcolor": self.fg,
            "legend.frameon": False,
            "legend.labelcolor": self.fg,
            "figure.facecolor": "none",
            "axes.facecolor": "none",
            "savefig.facecolor": "none",
            "savefig.transparent": True,
            "image.cmap": "viridis",
        }


# Colours chosen to keep a 3:1 contrast against Material's white and slate backgrounds.
LIGHT = Theme("light", fg="#1a1a1a", muted="#555555", grid="#e0e0e0",
              colors=("#1f63b4", "#c2410c", "#15803d", "#9333ea", "#b91c1c", "#0e7490", "#a16207"))
DARK = Theme("dark", fg="#e8e8e8", muted="#b0b0b0", grid="#3a3f4b",
             colors=("#7cb7ff", "#ff9a5c", "#5fd68a", "#c9a2ff", "#ff7b7b", "#4fd1e0", "#f2c94c"))

_SIZE = re.compile(r'<svg[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"')
# Rasterized artists (and the reference raster) at twice the CSS pixel density: sharp on a
# high-density screen.
RASTER_DPI = 192


@dataclass(frozen=True)
class Drawn:
    svg: str
    png: bytes  # matplotlib's raster of the same figure, RASTER_DPI
    warnings: tuple[str, ...] = ()


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", dpi=RASTER_DPI, metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def _reference_png(fig) -> bytes:
    """Agg's raster with text drawn from the same glyph outlines the SVG carries: Agg's own text
    path pastes each string as a bitmap at a whole-pixel offset, up to a pixel from where the
    outlines (and so the SVG) put it."""
    import matplotlib.pyplot as plt
    from matplotlib.backend_bases import RendererBase
    from matplotlib.backends.backend_agg import RendererAgg

    buf = io.BytesIO()
    patched = ("draw_text", "get_text_width_height_descent")
    own = {name: getattr(RendererAgg, name) for name in patched}
    for name in patched:  # text laid out and drawn from outlines, as in the SVG
        setattr(RendererAgg, name, getattr(RendererBase, name))
    try:
        fig.savefig(buf, format="png", dpi=RASTER_DPI, metadata={"Software": None})
    finally:
        for name, fn in own.items():
            setattr(RendererAgg, name, fn)
    return buf.getvalue()


def _frozen_layout(save):
    """``save``, after which the figure keeps the layout its first save computed: every later
    save (the budget's, the reference raster) draws the axes where the published SVG has them.
    Constrained layout measures text with each backend's own metrics, which differ by a pixel."""
    def save_once_laid_out(fig):
        out = save(fig)
        fig.set_layout_engine("none")
        return out
    return save_once_laid_out


def render(draw, theme: Theme, size: tuple[float, float], name: str = "figure") -> Drawn:
    """Draw once; the SVG (within the size budget, see ``budget``) and the reference raster."""
    import matplotlib.pyplot as plt

    # A whole number of CSS pixels (96 per inch) each way: the browser then draws the SVG at
    # exactly its own size, and embedded images (rasterized artists) land on the pixel grid,
    # instead of being scaled by a fraction of a pixel and resampled.
    size = (round(size[0] * 96) / 96, round(size[1] * 96) / 96)
    with plt.rc_context(theme.rc):
        fig = plt.figure(figsize=size, layout="constrained")
        try:
            draw(fig, theme)
            svg, warnings = fit_budget(fig, _frozen_layout(_svg), name=name, scheme=theme.name)
            png = _reference_png(fig)
        finally:
            plt.close(fig)
    return Drawn(svg, png, tuple(warnings))


def render_svg(draw, theme: Theme, size: tuple[float, float]) -> str:
    return render(draw, theme, size).svg


def figure(name: str, draw, *, caption: str, alt: str | None = None,
           size: tuple[float, float] = (6.4, 4.0)) -> None:
    """Draw ``draw(fig, theme)`` in both schemes and hand the SVGs to the renderer."""
    from IPython.display import display

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"figure name must be lowercase letters, digits and '-', got {name!r}")
    light = render(draw, LIGHT, size, name)
    dark = render(draw, DARK, size, name)
    m = _SIZE.search(light.svg)
    width, height = (float(m.group(1)), float(m.group(2))) if m else (size[0] * 72, size[1] * 72)
    payload = {
        "name": name, "caption": caption, "alt": alt or caption,
        # CSS pixels: 96 per inch, 72 points per inch.
        "width": round(width * 4 / 3), "height": round(height * 4 / 3),
        "light": light.svg, "dark": dark.svg,
        "raster": {s: base64.b64encode(d.png).decode("ascii")
                   for s, d in (("light", light), ("dark", dark))},
        # One warning per figure: the dark variant is over budget exactly when the light one is.
        "warnings": list(light.warnings),
    }
    display({FIGURE: payload, "image/svg+xml": light.svg, "text/plain": f"<figure {name}>"}, raw=True)
