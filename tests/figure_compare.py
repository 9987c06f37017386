"""Compare a browser's rendering of a figure's SVG with matplotlib's own raster of it.

Two renderers never agree pixel for pixel: Agg and Skia anti-alias edges differently and place a
line up to about half a pixel apart. Those differences are thin (a pixel or two wide along every
edge); a wrong glyph, a glyph from another font or a misplaced one differs over an area as large
as a stroke is wide. So both images are composited on the page background, blurred (sigma 1.5
device pixels) and differenced; pixels that differ by more than ``THRESHOLD`` are kept only where they
form a blob that survives a morphological opening (edge bands do not) and is at least
``MIN_BLOB`` device pixels. What is left is the mismatch; each blob is reported with where it lies, in CSS pixels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

THRESHOLD = 0.15  # difference in grey level, 0..1, after the blur
BLUR = 1.5  # device pixels (Gaussian sigma)
# Blobs smaller than this (device pixels) are rendering noise: a marker or a dash placed a
# fraction of a pixel apart leaves up to 13. One glyph swapped for another leaves 30 or more
# (tests/test_figures_render.py shows it; the measurements are in its docstring).
MIN_BLOB = 20
SCALE = 2  # device pixels per CSS pixel: the reference raster is drawn at 192 dpi
# Page backgrounds the variants are shown on (Material's default and slate schemes).
BACKGROUND = {"light": (1.0, 1.0, 1.0), "dark": (0x1e / 255, 0x21 / 255, 0x29 / 255)}


@dataclass(frozen=True)
class Blob:
    x: int  # CSS pixels from the figure's left edge
    y: int
    width: int
    height: int
    pixels: int  # device pixels


def grey(png: bytes, background) -> np.ndarray:
    """``png`` composited on ``background`` (an RGB triple, 0..1), as luma in 0..1."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGBA")
    page = Image.new("RGBA", image.size, tuple(round(255 * c) for c in background) + (255,))
    luma = Image.alpha_composite(page, image).convert("L")
    return np.asarray(luma, dtype=np.float32) / 255


def mismatch(reference: np.ndarray, shown: np.ndarray) -> list[Blob]:
    """Blobs where ``shown`` differs from ``reference`` (two grey images at SCALE)."""
    from scipy import ndimage

    h = min(reference.shape[0], shown.shape[0])
    w = min(reference.shape[1], shown.shape[1])
    a, b = reference[:h, :w], shown[:h, :w]
    d = np.abs(ndimage.gaussian_filter(a, BLUR) - ndimage.gaussian_filter(b, BLUR))
    kept = ndimage.binary_opening(d > THRESHOLD, iterations=SCALE)
    labels, n = ndimage.label(kept)
    blobs = []
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        ys, xs = sl
        blobs.append(Blob(x=xs.start // SCALE, y=ys.start // SCALE,
                          width=-(-(xs.stop - xs.start) // SCALE),
                          height=-(-(ys.stop - ys.start) // SCALE),
                          pixels=int((labels[sl] == i).sum())))
    return sorted((b for b in blobs if b.pixels >= MIN_BLOB), key=lambda b: -b.pixels)


def describe(blobs: list[Blob], limit: int = 5) -> str:
    return "; ".join(f"{b.pixels} px at x={b.x}, y={b.y} ({b.width}×{b.height} CSS px)"
                     for b in blobs[:limit])
