"""Compare a browser's rendering of a figure's SVG with matplotlib's own raster of it.

Two renderers never agree pixel for pixel: Agg and Skia anti-alias edges differently and place a
line up to about half a pixel apart. Those differences are thin (a pixel or two wide along every
edge); a wrong glyph, a glyph from another font or a misplaced one differs over an area as large
as a stroke is wide. So both images are composited on the page background, blurred by one device
pixel, and differenced; pixels that differ by more than ``THRESHOLD`` are kept only where they
form a blob that survives a morphological opening (edge bands do not). What is left, in device
pixels, is the mismatch; each blob is reported with where it lies, in CSS pixels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

THRESHOLD = 0.15  # difference in grey level, 0..1, after the blur
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
    from PIL import Image

    rgba = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"), dtype=float) / 255
    rgb = rgba[..., :3] * rgba[..., 3:] + np.asarray(background) * (1 - rgba[..., 3:])
    return rgb.mean(axis=2)


def mismatch(reference: np.ndarray, shown: np.ndarray) -> list[Blob]:
    """Blobs where ``shown`` differs from ``reference`` (two grey images at SCALE)."""
    from scipy import ndimage

    h = min(reference.shape[0], shown.shape[0])
    w = min(reference.shape[1], shown.shape[1])
    a, b = reference[:h, :w], shown[:h, :w]
    d = np.abs(ndimage.gaussian_filter(a, 1.0) - ndimage.gaussian_filter(b, 1.0))
    kept = ndimage.binary_opening(d > THRESHOLD, iterations=SCALE)
    labels, n = ndimage.label(kept)
    blobs = []
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        ys, xs = sl
        blobs.append(Blob(x=xs.start // SCALE, y=ys.start // SCALE,
                          width=-(-(xs.stop - xs.start) // SCALE),
                          height=-(-(ys.stop - ys.start) // SCALE),
                          pixels=int((labels[sl] == i).sum())))
    return sorted(blobs, key=lambda b: -b.pixels)


def describe(blobs: list[Blob], limit: int = 5) -> str:
    return "; ".join(f"{b.pixels} px at x={b.x}, y={b.y} ({b.width}×{b.height} CSS px)"
                     for b in blobs[:limit])
