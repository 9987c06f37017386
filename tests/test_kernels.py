"""Kernels in kernels/ against their plain PyTorch references.

Without CUDA the Triton kernels run in Triton's CPU interpreter (``kernels/__init__.py`` turns it
on), which is slow: shapes stay small and blocks are 16-32 wide, but odd, so every mask is used.
With CUDA the same kernels are checked at real sizes in FP16.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # kernels/ lives at the repository root, beside folio/
    sys.path.insert(0, str(ROOT))

import kernels  # noqa: E402  (before any kernel module: turns on the interpreter without CUDA)
from kernels.quant import (QMAX, dequantize, integers, pack_int4, quantize, quantize_int,
                           reference_matmul, unpack_int4)
from kernels.wq_matmul import wq_matmul  # noqa: E402

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _weights(kind: str, shape, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    if kind == "gaussian":
        return torch.randn(shape, generator=g)
    if kind == "heavy-tailed":  # Student t with 2 degrees of freedom: a few huge outliers per row
        z = torch.randn(shape, generator=g)
        chi2 = torch.randn((2, *shape), generator=g).pow(2).sum(0)
        return z / (chi2 / 2).sqrt()
    if kind == "zero-rows":
        w = torch.randn(shape, generator=g)
        w[::3] = 0.0
        return w
    raise ValueError(kind)


# --- quantization ---------------------------------------------------------------------------

@pytest.mark.parametrize("K", [1, 2, 7, 128, 193])
def test_pack_unpack_round_trip_is_exact(K):
    g = torch.Generator().manual_seed(K)
    q = torch.randint(-8, 8, (5, K), generator=g, dtype=torch.int8)
    packed = pack_int4(q)
    assert packed.dtype == torch.uint8 and packed.shape == (5, (K + 1) // 2)
    assert torch.equal(unpack_int4(packed, K), q)


def test_pack_puts_even_column_in_low_nibble():
    q = torch.tensor([[1, -1, -8, 7, 3]], dtype=torch.int8)
    assert pack_int4(q).tolist() == [[0xF1, 0x78, 0x03]]


def test_pack_rejects_out_of_range():
    with pytest.raises(ValueError):
        pack_int4(torch.tensor([[8]], dtype=torch.int8))


@pytest.mark.parametrize("kind", ["gaussian", "heavy-tailed", "zero-rows"])
@pytest.mark.parametrize("bits,group", [(8, None), (4, 128), (4, 32), (4, 10**6)])  # 10**6: per row
def test_quantization_error_bound(kind, bits, group):
    w = _weights(kind, (24, 300))
    qw = quantize(w, bits, group)
    w_hat = dequantize(qw)
    s = qw.scales.float().repeat_interleave(qw.group_size, dim=1)[:, : w.shape[1]]
    # |w - w_hat| <= s / 2, up to the float32 rounding of w_hat = s * q.
    assert torch.all((w - w_hat).abs() <= s / 2 * (1 + 1e-6) + 1e-12)
    q = integers(qw)
    assert q.abs().max() <= QMAX[bits]


@pytest.mark.parametrize("bits", [8, 4])
def test_quantize_layout_and_bytes(bits):
    N, K = 37, 192
    qw = quantize(torch.randn(N, K), bits)
    if bits == 8:
        assert qw.qweight.shape == (N, K) and qw.scales.shape == (N, 1)
        assert qw.nbytes == N * K + 2 * N
    else:
        assert qw.qweight.shape == (N, K // 2) and qw.scales.shape == (N, 2)
        assert qw.nbytes == N * K // 2 + 2 * N * 2
    assert qw.scales.dtype == torch.float16


def test_max_element_maps_to_qmax():
    w = _weights("gaussian", (8, 128))
    q, s = quantize_int(w, 8)
    assert torch.equal(q.abs().amax(dim=1), torch.full((8,), 127, dtype=torch.int8))


# --- the Triton kernel on the interpreter (or a GPU, at the same small shapes) -------------------

SHAPES = [(3, 37, 192), (1, 33, 97), (5, 40, 128), (17, 19, 64)]


@pytest.mark.parametrize("M,N,K", SHAPES)
@pytest.mark.parametrize("bits", [8, 4])
def test_kernel_matches_reference_small(M, N, K, bits):
    g = torch.Generator().manual_seed(M * 1000 + N + K)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    w = torch.randn(N, K, generator=g)
    x = torch.randn(M, K, generator=g)
    qw = quantize(w, bits).to(device)
    x = x.to(device)
    bias = torch.randn(N, generator=g).to(device)
    got = wq_matmul(x, qw, bias)
    want = reference_matmul(x, qw, bias)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4 * want.abs().max().item())


def test_kernel_group_of_32_and_3d_input():
    g = torch.Generator().manual_seed(7)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    qw = quantize(torch.randn(21, 96, generator=g), 4, group_size=32).to(device)
    x = torch.randn(2, 3, 96, generator=g).to(device)
    got = wq_matmul(x, qw)
    assert got.shape == (2, 3, 21)
    torch.testing.assert_close(got, reference_matmul(x, qw), rtol=1e-4,
                               atol=1e-4 * got.abs().max().item())


def test_interpreter_is_on_without_cuda():
    if torch.cuda.is_available():
        pytest.skip("CUDA present: kernels are compiled")
    assert kernels.INTERPRETED


def test_interpreter_works_when_triton_was_imported_first():
    """One process that imports triton (and uses tl.zeros / tl.sum) before kernels/."""
    if torch.cuda.is_available():
        pytest.skip("CUDA present: kernels are compiled")
    script = textwrap.dedent("""
        import os
        os.environ.pop("TRITON_INTERPRET", None)
        import triton, triton.language as tl, torch
        import kernels
        from kernels.quant import quantize, reference_matmul
        from kernels.wq_matmul import wq_matmul

        @triton.jit
        def total(x_ptr, y_ptr, N: tl.constexpr):
            x = tl.load(x_ptr + tl.arange(0, N)) + tl.zeros((N,), dtype=tl.float32)
            tl.store(y_ptr, tl.sum(x, axis=0) + x.sum(axis=0))

        y = torch.zeros(1)
        total[(1,)](torch.arange(8.0), y, N=8)
        assert y.item() == 56.0, y
        qw = quantize(torch.randn(37, 192), 4)
        x = torch.randn(3, 192)
        assert torch.allclose(wq_matmul(x, qw), reference_matmul(x, qw), rtol=1e-4, atol=1e-3)
        print("ok")
    """)
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")


# --- GPU: real sizes, FP16 activations ---------------------------------------------------------

@cuda
@pytest.mark.parametrize("M", [1, 4, 16])
@pytest.mark.parametrize("N,K", [(8192, 8192), (12288, 4096), (4096, 12288)])
@pytest.mark.parametrize("bits", [8, 4])
def test_kernel_matches_reference_gpu_fp16(M, N, K, bits):
    g = torch.Generator().manual_seed(M + N + K + bits)
    w = torch.randn(N, K, generator=g) / K ** 0.5  # unit-scale outputs
    x = torch.randn(M, K, generator=g)
    qw = quantize(w, bits).to("cuda")
    x = x.to("cuda", torch.float16)
    got = wq_matmul(x, qw)
    want = reference_matmul(x, qw)
    assert got.dtype == torch.float16
    torch.testing.assert_close(got, want, rtol=2e-2, atol=2e-2)


@cuda
def test_kernel_bf16_gpu():
    g = torch.Generator().manual_seed(3)
    qw = quantize(torch.randn(1000, 1536, generator=g) / 1536 ** 0.5, 4).to("cuda")
    x = torch.randn(7, 1536, generator=g).to("cuda", torch.bfloat16)
    torch.testing.assert_close(wq_matmul(x, qw).float(), reference_matmul(x, qw).float(),
                               rtol=2e-2, atol=2e-2)
