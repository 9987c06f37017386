"""The size budget of a figure's SVG, which every reader downloads.

Up to ``BUDGET`` an SVG is published as drawn. Over it, the artists that make it heavy (a scatter
of many points, a long line, a filled area of many vertices) are drawn as an embedded image
inside the SVG, as ``rasterized=True`` would (axes, ticks and text stay vectors), and the build
warns, naming the post, the figure and those artists, so the author can say ``rasterized=True``
(or draw fewer points) and silence it. Past ``LIMIT``, or still over the budget with its heavy
artists rasterized, the figure is an error: nothing over the budget is published.
"""

from __future__ import annotations

import os
import re

BUDGET = 500_000  # bytes of SVG per figure and scheme
LIMIT = 5_000_000  # past this the drawing itself is the problem: no automatic fallback
# Over the budget, every artist whose vectors take this many bytes is rasterized.
HEAVY = 20_000


class FigureTooLarge(ValueError):
    pass


def kb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"


def _where(name: str) -> str:
    slug = os.environ.get("FOLIO_SLUG")
    return f"figure {name!r}" + (f" of posts/{slug}/index.md" if slug else "")


def _describe(artist, fig) -> str:
    kind = type(artist).__name__
    axes = artist.axes
    panel = f" in panel {fig.axes.index(axes) + 1}" if axes in fig.axes and len(fig.axes) > 1 else ""
    count = _count(artist)
    return f"{kind}{panel} ({count:,} {'points' if _is_points(artist) else 'vertices'})"


def _is_points(artist) -> bool:
    from matplotlib.collections import PathCollection
    return isinstance(artist, PathCollection)


def _count(artist) -> int:
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D

    if isinstance(artist, Line2D):
        return len(artist.get_xydata())
    if isinstance(artist, Collection):
        if _is_points(artist):
            return len(artist.get_offsets())
        return sum(len(p.vertices) for p in artist.get_paths())
    path = getattr(artist, "get_path", None)
    return len(path().vertices) if path else 0


def _candidates(fig) -> list:
    """Drawing artists that may be rasterized: lines, collections, patches and images inside
    axes (not the axes' own frame, ticks, text or legend)."""
    from matplotlib.collections import Collection
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    out = []
    for ax in fig.axes:
        for a in ax.get_children():
            if isinstance(a, (Line2D, Collection, Patch, AxesImage)) and a is not ax.patch \
                    and a.get_visible() and not a.get_rasterized():
                out.append(a)
    return out


_GROUP = re.compile(r'<g id="folio-weigh-(\d+)"')
_TAG = re.compile(r"<g[\s>]|</g>")


def _weights(svg: str) -> dict[int, int]:
    """Bytes of each tagged artist's group in ``svg``."""
    out = {}
    for m in _GROUP.finditer(svg):
        depth, pos = 0, m.start()
        for t in _TAG.finditer(svg, pos):
            depth += 1 if t.group(0) != "</g>" else -1
            if depth == 0:
                out[int(m.group(1))] = t.end() - m.start()
                break
    return out


def _heaviest(fig, save) -> list:
    """The candidates that take at least HEAVY bytes of the SVG, heaviest first."""
    candidates = _candidates(fig)
    old = [a.get_gid() for a in candidates]
    for i, a in enumerate(candidates):
        a.set_gid(f"folio-weigh-{i}")
    try:
        svg = save(fig)
    finally:
        for a, gid in zip(candidates, old):
            a.set_gid(gid)
    weights = _weights(svg)
    return [candidates[i] for i in sorted(weights, key=lambda i: (-weights[i], i))
            if weights[i] >= HEAVY]


def fit_budget(fig, save, *, name: str, scheme: str) -> tuple[str, list[str]]:
    """``save(fig)`` (the SVG text) within the budget: (svg, warnings). Raises FigureTooLarge."""
    svg = save(fig)
    size = len(svg.encode("utf-8"))
    if size <= BUDGET:
        return svg, []
    if size > LIMIT:
        # Weighing each artist would write the whole SVG again: name the biggest by count.
        big = sorted((a for a in _candidates(fig) if _count(a) >= 1000), key=lambda a: -_count(a))
        heavy = ", ".join(_describe(a, fig) for a in big[:5]) or "its artists"
        raise FigureTooLarge(
            f"{_where(name)} is {kb(size)} as SVG ({scheme} scheme), past the hard limit of "
            f"{kb(LIMIT)} (the budget is {kb(BUDGET)}); the heavy parts: {heavy}. Pass "
            "rasterized=True when drawing them (e.g. ax.scatter(..., rasterized=True)) to embed "
            "them as an image, or draw fewer points")
    heavy = _heaviest(fig, save)
    order = {id(a): i for i, a in enumerate(_candidates(fig))}
    heavy.sort(key=lambda a: order[id(a)])  # named in drawing order, panel by panel
    for a in heavy:
        a.set_rasterized(True)
    fitted = save(fig)
    after = len(fitted.encode("utf-8"))
    named = ", ".join(_describe(a, fig) for a in heavy) or "none of its artists"
    if after > BUDGET:
        raise FigureTooLarge(
            f"{_where(name)} is {kb(size)} as SVG ({scheme} scheme), over the budget of "
            f"{kb(BUDGET)}, and still {kb(after)} with its heaviest artists rasterized ({named}); "
            "draw fewer elements, or pass rasterized=True to more of them")
    return fitted, [
        f"figure {name!r} is {kb(size)} as SVG, over the budget of {kb(BUDGET)}: published at "
        f"{kb(after)} with these artists drawn as an embedded image: {named}. Pass "
        "rasterized=True when drawing them to choose this yourself and silence this warning"]


def figure_warnings(slug: str, cells) -> list[str]:
    """Build side: the budget warnings the figures of one post's outputs carry (cached outputs
    too, so the warning comes back on every build until it is dealt with)."""
    from .mimetypes import FIGURE

    out = []
    for c in cells:
        for o in c.outputs:
            fig = o.get("data", {}).get(FIGURE)
            for w in (fig or {}).get("warnings", ()):
                out.append(f"posts/{slug}/index.md, code cell {c.number}: {w}")
    return out
