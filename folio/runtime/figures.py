"""Figures from a post's code, drawn twice: once for the light scheme and once for the dark.

    def draw(fig, theme):
        ax = fig.subplots()
        ax.plot(x, y, color=theme.colors[0])

    figure("loss-curve", draw, caption="Loss against iteration for three step sizes.")

The kernel only emits both SVGs as display data; the renderer writes them to ``figures/<slug>/``.
SVG bytes are deterministic: a fixed hash salt, no date, text kept as text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

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
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
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


def render_svg(draw, theme: Theme, size: tuple[float, float]) -> str:
    import matplotlib.pyplot as plt

    with plt.rc_context(theme.rc):
        fig = plt.figure(figsize=size, layout="constrained")
        try:
            draw(fig, theme)
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
    return buf.getvalue()


def figure(name: str, draw, *, caption: str, alt: str | None = None,
           size: tuple[float, float] = (6.4, 4.0)) -> None:
    """Draw ``draw(fig, theme)`` in both schemes and hand the SVGs to the renderer."""
    from IPython.display import display

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"figure name must be lowercase letters, digits and '-', got {name!r}")
    light = render_svg(draw, LIGHT, size)
    dark = render_svg(draw, DARK, size)
    m = _SIZE.search(light)
    width, height = (float(m.group(1)), float(m.group(2))) if m else (size[0] * 72, size[1] * 72)
    payload = {
        "name": name, "caption": caption, "alt": alt or caption,
        # CSS pixels: 96 per inch, 72 points per inch.
        "width": round(width * 4 / 3), "height": round(height * 4 / 3),
        "light": light, "dark": dark,
    }
    display({FIGURE: payload, "image/svg+xml": light, "text/plain": f"<figure {name}>"}, raw=True)
