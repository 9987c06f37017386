"""Weight-only quantization: symmetric INT8 per output channel and INT4 per group, and references.

A weight ``w`` of shape (N, K) (an ``nn.Linear`` weight: N outputs, K inputs) is cut along K into
groups of ``g`` columns (``g = K``, one group per row, for per-channel quantization). Each group
gets one scale

    s = max |w_group| / q_max,     q_max = 127 (INT8) or 7 (INT4),

and each weight the integer ``q = clamp(round(w / s), -q_max, q_max)``; the weight it stands for
is ``w_hat = s * q``. Scales are stored in FP16, as GLM-130B stores them, and the integers are
computed against the stored (rounded) scale so that ``|w - w_hat| <= s / 2`` holds for the scale
actually used. INT4 values are packed two to a byte along K: the even column in the low nibble,
the odd column in the high nibble, in two's complement (so a byte can hold any value in [-8, 7]).

``reference_matmul`` is the plain PyTorch definition every kernel is tested against:
dequantize, then multiply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

QMAX = {8: 127, 4: 7}
DEFAULT_GROUP = {8: None, 4: 128}  # None: one scale per output channel (row)
SCALE_DTYPE = torch.float16


@dataclass(frozen=True)
class QuantizedWeight:
    """A quantized (N, K) weight: integers (packed for INT4), FP16 scales and the layout."""

    qweight: torch.Tensor  # int8 (N, K) for 8 bits; uint8 (N, ceil(K / 2)) for 4 bits
    scales: torch.Tensor  # float16 (N, ceil(K / group_size))
    bits: int
    group_size: int  # columns per scale; equals K for per-channel quantization
    shape: tuple[int, int]  # (N, K) of the original weight

    @property
    def nbytes(self) -> int:
        """Bytes held in memory: integers plus scales."""
        return self.qweight.nbytes + self.scales.nbytes

    @property
    def per_channel(self) -> bool:
        return self.scales.shape[1] == 1

    def to(self, device) -> "QuantizedWeight":
        return QuantizedWeight(self.qweight.to(device), self.scales.to(device), self.bits,
                               self.group_size, self.shape)


def _group_size(bits: int, K: int, group_size: int | None) -> int:
    g = DEFAULT_GROUP[bits] if group_size is None and bits in DEFAULT_GROUP else group_size
    return K if g is None or g >= K else int(g)


def quantize_int(w: torch.Tensor, bits: int = 8, group_size: int | None = None):
    """Quantize ``w`` (N, K) to unpacked integers ``q`` (int8, N x K) and FP16 scales (N, G)."""
    if bits not in QMAX:
        raise ValueError(f"bits must be 8 or 4, got {bits}")
    if w.ndim != 2:
        raise ValueError(f"expected a 2-D weight (N, K), got shape {tuple(w.shape)}")
    N, K = w.shape
    g = _group_size(bits, K, group_size)
    G = math.ceil(K / g)
    qmax = QMAX[bits]
    q = torch.empty((N, K), dtype=torch.int8, device=w.device)
    scales = torch.empty((N, G), dtype=SCALE_DTYPE, device=w.device)
    # Rows are independent: go in chunks so a large weight never needs a float64 copy at once.
    rows = max(1, (1 << 24) // max(1, G * g))
    for r0 in range(0, N, rows):
        # Float64 for the division and rounding, so q is exactly the nearest grid point.
        wg = F.pad(w[r0:r0 + rows].detach().to(torch.float64), (0, G * g - K)).view(-1, G, g)
        s16 = (wg.abs().amax(dim=-1) / qmax).to(SCALE_DTYPE)
        if not torch.isfinite(s16).all():
            raise OverflowError("a group's scale max|w|/q_max does not fit in FP16")
        s = s16.to(torch.float64)
        safe = torch.where(s > 0, s, torch.ones_like(s))  # an all-zero group: s = 0 and q = 0
        qg = torch.round(wg / safe[..., None]).clamp_(-qmax, qmax).to(torch.int8)
        q[r0:r0 + rows] = qg.view(-1, G * g)[:, :K]
        scales[r0:r0 + rows] = s16
    return q, scales


def pack_int4(q: torch.Tensor) -> torch.Tensor:
    """Pack int8 values in [-8, 7] of shape (N, K) into uint8 (N, ceil(K / 2))."""
    if q.dtype != torch.int8:
        raise TypeError(f"pack_int4 takes int8, got {q.dtype}")
    if q.numel() and (q.min() < -8 or q.max() > 7):
        raise ValueError("INT4 values must lie in [-8, 7]")
    N, K = q.shape
    nib = F.pad(q.to(torch.int16), (0, K % 2)) & 0xF  # two's complement nibbles
    return (nib[:, 0::2] | (nib[:, 1::2] << 4)).to(torch.uint8)


def unpack_int4(packed: torch.Tensor, K: int) -> torch.Tensor:
    """Inverse of ``pack_int4``: uint8 (N, ceil(K / 2)) to int8 (N, K)."""
    b = packed.to(torch.int16)
    lo = ((b & 0xF) ^ 8) - 8  # sign-extend a 4-bit two's complement value
    hi = (((b >> 4) & 0xF) ^ 8) - 8
    return torch.stack((lo, hi), dim=-1).view(packed.shape[0], -1)[:, :K].to(torch.int8)


def quantize(w: torch.Tensor, bits: int = 8, group_size: int | None = None) -> QuantizedWeight:
    """Quantize ``w`` (N, K): INT8 per channel by default, INT4 in groups of 128 by default."""
    q, scales = quantize_int(w, bits, group_size)
    N, K = w.shape
    g = _group_size(bits, K, group_size)
    qweight = pack_int4(q) if bits == 4 else q
    return QuantizedWeight(qweight.to(w.device), scales.to(w.device), bits, g, (N, K))


def integers(qw: QuantizedWeight) -> torch.Tensor:
    """The int8 (N, K) integers of a quantized weight, unpacked if INT4."""
    return unpack_int4(qw.qweight, qw.shape[1]) if qw.bits == 4 else qw.qweight


def dequantize(qw: QuantizedWeight, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """w_hat = s * q, as a dense (N, K) tensor of ``dtype``."""
    N, K = qw.shape
    s = qw.scales.to(torch.float32).repeat_interleave(qw.group_size, dim=1)[:, :K]
    return (integers(qw).to(torch.float32) * s).to(dtype)


def reference_matmul(x: torch.Tensor, qw: QuantizedWeight, bias: torch.Tensor | None = None):
    """The definition a kernel must match: ``x @ dequantize(qw).T (+ bias)``, in float32."""
    y = x.to(torch.float32) @ dequantize(qw, torch.float32).T
    if bias is not None:
        y = y + bias.to(torch.float32)
    return y.to(x.dtype)
