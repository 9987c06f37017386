"""The quantization equations of the post, tied to kernels/quant.py and checked independently."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch.ao.quantization.observer import PerChannelMinMaxObserver

from folio import Case, check, equation
from kernels.quant import QMAX, QuantizedWeight, dequantize, pack_int4, quantize, quantize_int

SCHEMES = {"INT8 per channel": (8, None), "INT4, g = 128": (4, 128), "INT4 per channel": (4, 10**9)}


def weights(kind: str, shape, seed: int) -> torch.Tensor:
    """Test weights: Gaussian, or heavy-tailed (Student t, 2 degrees of freedom), and edge cases."""
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        w = rng.standard_normal(shape)
    elif kind == "student-t":
        w = rng.standard_t(2, size=shape)
    elif kind == "cauchy":
        w = rng.standard_cauchy(size=shape) * 1e-2
    elif kind == "one outlier per row":
        w = rng.standard_normal(shape) * 1e-2
        w[np.arange(shape[0]), rng.integers(0, shape[1], shape[0])] = 5.0
    elif kind == "zero rows":
        w = rng.standard_normal(shape)
        w[::2] = 0.0
    else:
        raise ValueError(kind)
    return torch.tensor(w, dtype=torch.float32)


def _weight_cases(rng) -> list:
    out = []
    for i, (kind, shape) in enumerate([("gaussian", (16, 256)), ("gaussian", (5, 193)),
                                       ("student-t", (12, 300)), ("cauchy", (8, 128)),
                                       ("one outlier per row", (6, 384)), ("zero rows", (6, 130))]):
        for scheme, (bits, g) in SCHEMES.items():
            out.append(Case.of(weights(kind, shape, i), bits, g,
                               name=f"{kind} {shape[0]}x{shape[1]}, {scheme}"))
    return out


# --- eq-quantize -------------------------------------------------------------------------------

@equation("eq-quantize")
def quantize_weight(w: torch.Tensor, bits: int, group_size: int | None):
    """s = max|w_G| / q_max (stored in FP16), q = clamp(round(w / s), -q_max, q_max)."""
    q, s = quantize_int(w, bits, group_size)
    return s, q


def _groups_np(w: np.ndarray, g: int | None) -> np.ndarray:
    N, K = w.shape
    g = K if g is None or g >= K else g
    G = -(-K // g)
    padded = np.zeros((N, G * g))
    padded[:, :K] = w
    return padded.reshape(N, G, g)


def _observer_scales(w: torch.Tensor, bits: int, group_size: int | None) -> np.ndarray:
    """Scales from PyTorch's own symmetric per-channel observer, one "channel" per group."""
    groups = torch.from_numpy(_groups_np(w.double().numpy(), group_size)).float()
    N, G, g = groups.shape
    qmax = QMAX[bits]
    observer = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, quant_min=-qmax,
                                        quant_max=qmax, qscheme=torch.per_channel_symmetric)
    observer(groups.reshape(N * G, g))
    scale, _ = observer.calculate_qparams()
    return scale.double().numpy().reshape(N, G)


@check("eq-quantize", kind="library", oracle="torch.ao.quantization's PerChannelMinMaxObserver "
       "(symmetric, range [-q_max, q_max], one channel per group): its scale, which it computes "
       "as max(-min, max) / ((quant_max - quant_min) / 2); rtol 1e-3 for the FP16 storage, atol "
       "2e-7 for the observer's floor (float32 eps) on all-zero groups",
       rtol=1e-3, atol=2e-7, relation=True, cases=_weight_cases)
def scale_by_torch_observer(quantize_weight, w, bits, group_size):
    s, _ = quantize_weight(w, bits, group_size)
    return s.double().numpy(), _observer_scales(w, bits, group_size)


@check("eq-quantize", kind="definition", oracle="brute force: for every weight, the nearest of the 2 q_max + 1 "
       "points s·{-q_max, ..., q_max}, ties toward zero (exact match required)", rtol=0, relation=True,
       cases=_weight_cases)
def integers_by_nearest_grid_point(quantize_weight, w, bits, group_size):
    s, q = quantize_weight(w, bits, group_size)
    N, K = w.shape
    qmax = QMAX[bits]
    g = K if group_size is None or group_size >= K else group_size
    s_col = np.repeat(s.double().numpy(), g, axis=1)[:, :K]  # each weight's own scale
    # Levels ordered 0, -1, 1, -2, 2, ...: argmin keeps the first minimum, so a tie (only an
    # all-zero group, s = 0, has one) goes to the level nearest zero.
    levels = np.array(sorted(range(-qmax, qmax + 1), key=lambda v: (abs(v), v)))
    dist = np.abs(w.double().numpy()[..., None] - s_col[..., None] * levels)
    return q.numpy(), levels[dist.argmin(axis=-1)]


# --- eq-dequantize -----------------------------------------------------------------------------

@equation("eq-dequantize")
def dequantize_weight(qw: QuantizedWeight) -> torch.Tensor:
    """w_hat = s q, unpacking INT4 nibbles first."""
    return dequantize(qw)


def _quantized_cases(rng) -> list:
    out = []
    for i, (N, K) in enumerate([(7, 192), (4, 97), (3, 256), (5, 1)]):
        w = torch.tensor(rng.standard_normal((N, K)), dtype=torch.float32)
        for bits in (8, 4):
            out.append(Case.of(quantize(w, bits), name=f"{N}x{K}, {bits}-bit"))
    return out


@check("eq-dequantize", kind="library", oracle="the stored bytes decoded bit by bit with "
       "numpy.unpackbits (a nibble b0..b3 is b0 + 2 b1 + 4 b2 - 8 b3 in two's complement; int8 "
       "bytes as stored), then multiplied by the FP16 scales by torch's per-channel quantized "
       "tensor, one channel per group (torch._make_per_channel_quantized_tensor(...).dequantize())",
       rtol=1e-7, cases=_quantized_cases)
def dequantize_by_torch_qtensor(qw):
    N, K = qw.shape
    raw = qw.qweight.numpy()
    if qw.bits == 4:
        bits = np.unpackbits(raw[..., None], axis=-1, bitorder="little").astype(np.int16)
        nibbles = bits.reshape(N, -1, 2, 4)  # byte -> (low nibble, high nibble) -> 4 bits
        values = nibbles @ np.array([1, 2, 4, -8], dtype=np.int16)
        q = values.reshape(N, -1)[:, :K]
    else:
        q = raw.astype(np.int16)
    g = qw.group_size
    G = qw.scales.shape[1]
    padded = np.zeros((N, G * g), dtype=np.int8)
    padded[:, :K] = q
    with warnings.catch_warnings():  # torch's quantized tensors are marked for deprecation
        warnings.simplefilter("ignore", UserWarning)
        qt = torch._make_per_channel_quantized_tensor(
            torch.from_numpy(padded.reshape(N * G, g)), qw.scales.double().reshape(-1),
            torch.zeros(N * G, dtype=torch.int64), 0)
    return qt.dequantize().reshape(N, G * g)[:, :K].numpy()


def _integer_cases(rng) -> list:
    return [Case.of(rng.integers(-8, 8, size=(N, K)).astype(np.int8), name=f"{N}x{K} in [-8, 7]")
            for N, K in [(3, 8), (5, 7), (1, 1), (4, 255)]] + [
        Case.of(np.array([[-8, 7, -1, 0, 1]], dtype=np.int8), name="the extremes -8 and 7")]


@check("eq-dequantize", kind="property", oracle="round trip: integers packed with pack_int4 and unit scales come "
       "back exactly", rtol=0, relation=True, cases=_integer_cases)
def pack_round_trip(dequantize_weight, q):
    N, K = q.shape
    qt = torch.from_numpy(q)
    qw = QuantizedWeight(pack_int4(qt), torch.ones((N, 1), dtype=torch.float16), 4, K, (N, K))
    return dequantize_weight(qw), q


# --- eq-quant-error-bound ----------------------------------------------------------------------

@equation("eq-quant-error-bound")
def quant_error(w: torch.Tensor, bits: int, group_size: int | None) -> torch.Tensor:
    """|w - w_hat| element by element, after a quantize-dequantize round trip."""
    return (w - dequantize(quantize(w, bits, group_size))).abs()


@check("eq-quant-error-bound", kind="property", oracle="half the scale, max|w| over the weight's group / (2 q_max), "
       "computed in NumPy float64 (rtol 1e-3 allows for the FP16 rounding of the stored scale)",
       compare="le", rtol=1e-3, cases=_weight_cases)
def half_scale(w, bits, group_size):
    N, K = w.shape
    g = K if group_size is None or group_size >= K else group_size
    s = np.abs(_groups_np(w.double().numpy(), group_size)).max(axis=-1) / QMAX[bits]
    return np.repeat(s, g, axis=1)[:, :K] / 2


@check("eq-quant-error-bound", kind="library", oracle="|w - torch.fake_quantize_per_channel_affine(w)| "
       "with the observer's scale rounded to FP16, zero point 0 and range [-q_max, q_max], one "
       "channel per group: PyTorch's own quantize-dequantize round trip (normwise rtol 1e-5 "
       "for float32 arithmetic)", rtol=1e-5, cases=_weight_cases)
def error_by_fake_quantize(w, bits, group_size):
    N, K = w.shape
    groups = torch.from_numpy(_groups_np(w.double().numpy(), group_size)).float()
    _, G, g = groups.shape
    scale = torch.from_numpy(_observer_scales(w, bits, group_size)).reshape(-1)
    scale = scale.to(torch.float16).float()  # the scale as GLM-130B stores it
    flat = groups.reshape(N * G, g)
    qmax = QMAX[bits]
    round_trip = torch.fake_quantize_per_channel_affine(
        flat, scale, torch.zeros(N * G, dtype=torch.int32), 0, -qmax, qmax)
    return (flat - round_trip).abs().reshape(N, G * g)[:, :K].numpy()
