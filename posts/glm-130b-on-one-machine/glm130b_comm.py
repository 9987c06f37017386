"""What tensor parallelism costs per token: ring all-reduces, and the per-token time bound that
adds them to the weight reads. Checked against a message-level simulation of the ring and
against the shards and collectives of PyTorch's own tensor-parallel library."""

from __future__ import annotations

import numpy as np

from folio import Case, check, equation
from glm130b_memory import _stored_bytes, per_gpu_bytes
from glm130b_model import GLMConfig, build_glm
from glm130b_parallel import allreduces_per_token, rank0_shards

# The two assumptions of the time model (see the post for their sources).
RING_STEP_LATENCY = 33.7e-6 / 14  # s per ring step: 8-GPU DGX A100, NCCL ring, 8-128 B messages
NVLINK_BW = 370e9  # bytes/s per direction that NCCL achieves over H100 NVLink


# --- eq-allreduce-time -------------------------------------------------------------------------

@equation("eq-allreduce-time")
def allreduce_time(n_gpus: int, batch: int, hidden: int, alpha: float, link_bw: float) -> float:
    """t_AR = 2 (n - 1) alpha + 2 (n - 1) / n * 2 b h / B_link: a ring all-reduce of b h FP16
    values, reduce-scatter then all-gather, each n - 1 steps of one chunk per GPU."""
    n = n_gpus
    return 2 * (n - 1) * alpha + 2 * (n - 1) / n * 2 * batch * hidden / link_bw


def ring_allreduce(buffers: list[np.ndarray], alpha: float, link_bw: float):
    """Run a ring all-reduce message by message; return the reduced buffers and the time.

    Each rank's buffer is cut into n chunks. In reduce-scatter step s, rank r sends chunk
    (r - s) mod n to rank r + 1, which adds it to its own; after n - 1 steps rank r holds the
    complete sum of chunk (r + 1) mod n, and n - 1 all-gather steps pass the sums around. A
    message of c bytes leaves when its sender has received what it forwards and arrives
    alpha + c / link_bw later; the time is when the last rank has everything.
    """
    n = len(buffers)
    chunks = [np.array_split(b.copy(), n) for b in buffers]
    ready = [0.0] * n  # when each rank has received its last message
    if n == 1:
        return [buffers[0].copy()], 0.0
    for phase in ("reduce-scatter", "all-gather"):
        for s in range(n - 1):
            arrivals = list(ready)
            for r in range(n):
                dst = (r + 1) % n
                idx = (r - s) % n if phase == "reduce-scatter" else (r + 1 - s) % n
                msg = chunks[r][idx]
                arrivals[dst] = max(arrivals[dst], ready[r] + alpha + msg.nbytes / link_bw)
                if phase == "reduce-scatter":
                    chunks[dst][idx] = (chunks[dst][idx].astype(np.float32) + msg).astype(msg.dtype)
                else:
                    chunks[dst][idx] = msg.copy()
            ready = arrivals
    return [np.concatenate(c) for c in chunks], max(ready)


def _allreduce_cases(rng) -> list:
    out = []
    for n, b, h, alpha, bw in [(1, 1, 64, 2e-6, 1e9), (2, 1, 64, 2e-6, 1e6), (4, 2, 96, 5e-6, 3e6),
                               (8, 1, 256, 1e-6, 1e7), (3, 3, 40, 1e-5, 1e5), (8, 4, 1024, 2.4e-6, 3.7e8),
                               (6, 1, 120, 0.0, 1e6)]:
        out.append(Case.of(n, b, h, alpha, bw, name=f"n={n}, b*h={b * h}, alpha={alpha:g} s, "
                                                    f"B={bw:g} B/s"))
    return out


@check("eq-allreduce-time", kind="simulation", oracle="a message-by-message simulation of NCCL's "
       "ring algorithm on n ranks holding b*h FP16 activations each (numpy.float16 buffers; "
       "message time alpha + nbytes / B_link), which also checks that every rank ends with the sum",
       rtol=1e-12, cases=_allreduce_cases)
def allreduce_by_ring_simulation(n_gpus, batch, hidden, alpha, link_bw):
    rng = np.random.default_rng(n_gpus * 1000 + hidden)
    buffers = [rng.standard_normal(batch * hidden).astype(np.float16) for _ in range(n_gpus)]
    reduced, t = ring_allreduce(buffers, alpha, link_bw)
    want = np.sum([b.astype(np.float32) for b in buffers], axis=0)
    for r in reduced:
        if not np.allclose(r.astype(np.float32), want, rtol=1e-2, atol=1e-2 * n_gpus):
            raise AssertionError("the simulated ring did not produce the sum on every rank")
    return t


# --- eq-token-time -----------------------------------------------------------------------------

@equation("eq-token-time")
def token_time(cfg: GLMConfig, bits: int, n_gpus: int, batch: int, hbm_bw: float,
               alpha: float = RING_STEP_LATENCY, link_bw: float = NVLINK_BW) -> float:
    """t_token = B_GPU / mu + (2L + 1) t_AR: every GPU reads its weight share once, and each
    layer's two row-parallel projections and the vocabulary-parallel embedding end in an
    all-reduce of b h values."""
    t_read = per_gpu_bytes(cfg, bits, n_gpus) / hbm_bw
    return t_read + (2 * cfg.n_layers + 1) * allreduce_time(n_gpus, batch, cfg.hidden, alpha,
                                                            link_bw)


def _token_cases(rng) -> list:
    cfgs = [GLMConfig(1, 256, 512, 4, 256), GLMConfig(2, 128, 256, 2, 64),
            GLMConfig(3, 256, 384, 4, 512)]
    out = []
    for c in cfgs:
        for bits, n, b in [(16, 1, 1), (16, 2, 1), (8, 4, 2), (4, 2, 1), (16, 4, 3), (8, 2, 1)]:
            if bits == 4 and (c.hidden // n % 128 or c.ffn // n % 128):
                continue
            out.append(Case.of(c, bits, n, b, 2e9, 3e-6, 5e8,
                               name=f"L={c.n_layers} h={c.hidden}, {bits}-bit, {n} GPUs, b={b}"))
    return out


@check("eq-token-time", kind="simulation", oracle="one token's decode on rank 0 of a random "
       "scaled-down model sharded by torch.distributed.tensor.parallel (Megatron plan, fake "
       "process group): the nbytes of every local shard (linear weights quantized with "
       "kernels.quant) over the HBM bandwidth, plus, for every all-reduce the library issues "
       "(counted by CommDebugMode), the simulated ring all-reduce of b*h FP16 values",
       rtol=1e-12, cases=_token_cases)
def token_time_by_sharded_model(cfg, bits, n_gpus, batch, hbm_bw, alpha, link_bw):
    shards = rank0_shards(build_glm(cfg), n_gpus)
    read = sum(_stored_bytes(name, t, bits) for name, t in shards.items()) / hbm_bw
    n_allreduce = allreduces_per_token(build_glm(cfg), n_gpus, batch)
    rng = np.random.default_rng(0)
    buffers = [rng.standard_normal(batch * cfg.hidden).astype(np.float16) for _ in range(n_gpus)]
    _, t_ring = ring_allreduce(buffers, alpha, link_bw)
    return read + n_allreduce * t_ring
