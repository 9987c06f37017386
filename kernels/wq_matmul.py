"""A weight-only-quantized matrix multiply in Triton: ``y = x @ (s * q).T``.

Activations ``x`` (M, K) stay in floating point (FP16 or BF16 on a GPU; FP32 in the CPU
interpreter). Weights arrive as a ``kernels.quant.QuantizedWeight``: INT8 (N, K) with one scale
per output channel, or INT4 packed two per byte, (N, ceil(K/2)), with one scale per group of
``g`` columns. The kernel never writes a dequantized weight to memory: each program loads a tile
of integers, widens it in registers, multiplies with ``tl.dot`` accumulating in FP32, and applies
the scales to the FP32 partial sums:

* per channel, once at the end: ``y[:, n] = s[n] * sum_k x[:, k] q[n, k]``;
* per group, once per K-block (a block never straddles two groups, so ``g % BLOCK_K == 0``).

For INT4 a K-block of ``BLOCK_K`` columns is ``BLOCK_K / 2`` bytes. We load those bytes once,
split each into its low nibble (even column) and high nibble (odd column), and do two dots
against the even and odd columns of ``x``. Every load is masked, so M, N and K need not be
multiples of the block sizes.

Decoding multiplies a handful of rows (M = batch size) by a large weight, so time is spent
streaming the weight: the point of the kernel is to read 1 or 0.5 bytes per weight instead of 2.
"""

from __future__ import annotations

import kernels  # noqa: F401  (sets TRITON_INTERPRET before @triton.jit below when there is no GPU)
import torch
import triton
import triton.language as tl

from kernels.quant import QuantizedWeight


@triton.jit
def _wq_matmul_kernel(
    x_ptr, q_ptr, s_ptr, y_ptr,
    M, N, K,
    stride_xm, stride_xk,
    stride_qn, stride_qk,
    stride_sn, stride_sg,
    stride_ym, stride_yn,
    GROUP: tl.constexpr,       # columns per scale (ignored when PER_CHANNEL)
    BITS: tl.constexpr,        # 8 or 4
    PER_CHANNEL: tl.constexpr, # one scale per output row: apply it once, after the K loop
    DOT_PRECISION: tl.constexpr,  # "ieee" for FP32 inputs (no TF32 rounding); ignored for FP16
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)
    rm = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    rn = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    m_ok = rm < M
    n_ok = rn < N

    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k0 in range(0, K, BLOCK_K):
        if BITS == 8:
            rk = k0 + tl.arange(0, BLOCK_K)
            k_ok = rk < K
            x = tl.load(x_ptr + rm[:, None] * stride_xm + rk[None, :] * stride_xk,
                        mask=m_ok[:, None] & k_ok[None, :], other=0.0)
            # The weight tile as (K, N): q[n, k] at q_ptr + n * stride_qn + k * stride_qk.
            q = tl.load(q_ptr + rn[None, :] * stride_qn + rk[:, None] * stride_qk,
                        mask=k_ok[:, None] & n_ok[None, :], other=0)
            part = tl.dot(x, q.to(x.dtype), input_precision=DOT_PRECISION)
        else:
            rb = k0 // 2 + tl.arange(0, BLOCK_K // 2)  # byte index along K
            ke = 2 * rb                                # even column: low nibble
            ko = ke + 1                                # odd column: high nibble
            xe = tl.load(x_ptr + rm[:, None] * stride_xm + ke[None, :] * stride_xk,
                         mask=m_ok[:, None] & (ke < K)[None, :], other=0.0)
            xo = tl.load(x_ptr + rm[:, None] * stride_xm + ko[None, :] * stride_xk,
                         mask=m_ok[:, None] & (ko < K)[None, :], other=0.0)
            b = tl.load(q_ptr + rn[None, :] * stride_qn + rb[:, None] * stride_qk,
                        mask=(ke < K)[:, None] & n_ok[None, :], other=0).to(tl.int32)
            lo = ((b & 0xF) ^ 8) - 8                   # sign-extend two's complement nibbles
            hi = (((b >> 4) & 0xF) ^ 8) - 8
            part = tl.dot(xe, lo.to(xe.dtype), input_precision=DOT_PRECISION)
            part += tl.dot(xo, hi.to(xo.dtype), input_precision=DOT_PRECISION)
        if PER_CHANNEL:
            acc += part
        else:
            s = tl.load(s_ptr + rn * stride_sn + (k0 // GROUP) * stride_sg, mask=n_ok, other=0.0)
            acc += part * s.to(tl.float32)[None, :]

    if PER_CHANNEL:
        s = tl.load(s_ptr + rn * stride_sn, mask=n_ok, other=0.0)
        acc = acc * s.to(tl.float32)[None, :]
    y_ptrs = y_ptr + rm[:, None] * stride_ym + rn[None, :] * stride_yn
    tl.store(y_ptrs, acc.to(y_ptr.dtype.element_ty), mask=m_ok[:, None] & n_ok[None, :])


def default_config(M: int, N: int, K: int, qw: QuantizedWeight) -> dict:
    """Block sizes: small ones for the interpreter, decode-friendly ones on a GPU."""
    if kernels.INTERPRETED:
        cfg = dict(BLOCK_M=16, BLOCK_N=32, BLOCK_K=32)
    else:
        cfg = dict(BLOCK_M=16 if M <= 16 else 64, BLOCK_N=64, BLOCK_K=128,
                   num_warps=4, num_stages=4)
    if not qw.per_channel:
        # A K-block must sit inside one scale group.
        while qw.group_size % cfg["BLOCK_K"]:
            cfg["BLOCK_K"] //= 2
        if cfg["BLOCK_K"] < 32:
            raise ValueError(f"group size {qw.group_size} needs a multiple of 32 columns")
    return cfg


def wq_matmul(x: torch.Tensor, qw: QuantizedWeight, bias: torch.Tensor | None = None,
              out_dtype: torch.dtype | None = None, **config) -> torch.Tensor:
    """``x @ dequantize(qw).T (+ bias)`` without materialising the dequantized weight.

    ``x`` is (..., K); the result is (..., N) in ``out_dtype`` (default: ``x.dtype``). Keyword
    arguments override the block sizes and launch options of ``default_config``.
    """
    N, K = qw.shape
    if x.shape[-1] != K:
        raise ValueError(f"x has {x.shape[-1]} columns, the weight has K = {K}")
    lead = x.shape[:-1]
    x2 = x.reshape(-1, K)
    M = x2.shape[0]
    y = torch.empty((M, N), device=x.device, dtype=out_dtype or x.dtype)
    cfg = {**default_config(M, N, K, qw), **config}
    if not qw.per_channel and qw.group_size % cfg["BLOCK_K"]:
        raise ValueError(f"BLOCK_K = {cfg['BLOCK_K']} must divide the group size {qw.group_size}")
    if qw.bits == 4 and cfg["BLOCK_K"] % 2:
        raise ValueError("INT4 needs an even BLOCK_K")
    grid = (triton.cdiv(M, cfg["BLOCK_M"]), triton.cdiv(N, cfg["BLOCK_N"]))
    _wq_matmul_kernel[grid](
        x2, qw.qweight, qw.scales, y,
        M, N, K,
        x2.stride(0), x2.stride(1),
        qw.qweight.stride(0), qw.qweight.stride(1),
        qw.scales.stride(0), qw.scales.stride(1),
        y.stride(0), y.stride(1),
        GROUP=qw.group_size, BITS=qw.bits, PER_CHANNEL=qw.per_channel,
        DOT_PRECISION="ieee" if x2.dtype == torch.float32 else "tf32",
        **cfg,
    )
    if bias is not None:
        y += bias.to(y.dtype)
    return y.reshape(*lead, N)
