"""Memory arithmetic for GLM-130B: parameters, weight bytes, tensor-parallel shares, KV cache,
arithmetic intensity, and which GPU servers fit. Each formula is checked against real tensors of
the scaled-down model in ``glm130b_model``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from folio import Case, check, equation
from glm130b_model import GLM_130B, GLMConfig, GLMModel, build_glm, generate
from glm130b_parallel import rank0_shards
from kernels.quant import DEFAULT_GROUP, quantize

GiB = 2 ** 30


# --- eq-param-count ----------------------------------------------------------------------------

@equation("eq-param-count")
def param_count(cfg: GLMConfig) -> int:
    """P = L (4h^2 + 3 h d_ff + 9h + 2 d_ff) + V h + 2h."""
    L, h, f, V = cfg.n_layers, cfg.hidden, cfg.ffn, cfg.vocab
    return L * (4 * h * h + 3 * h * f + 9 * h + 2 * f) + V * h + 2 * h


def _configs(rng) -> list:
    out = [Case.of(GLM_130B, name="GLM-130B itself (meta tensors)"),
           Case.of(GLMConfig(1, 8, 8, 1, 1), name="one layer, V = 1")]
    for _ in range(4):
        heads = int(rng.integers(1, 5))
        h = heads * int(rng.integers(2, 17)) * 2
        out.append(GLMConfig(int(rng.integers(1, 5)), h, int(rng.integers(1, 400)), heads,
                             int(rng.integers(1, 2000))))
    return out


@check("eq-param-count", kind="definition", oracle="sum(p.numel()) over the parameters of a GLMModel built with "
       "those sizes (on the meta device, so GLM-130B's own count is a case)", rtol=0,
       cases=_configs)
def param_count_by_torch(cfg):
    with torch.device("meta"):
        model = GLMModel(cfg)
    return sum(p.numel() for p in model.parameters())


# configs/model_glm_130b.sh in THUDM/GLM-130B, typed here from that file (not from GLM_130B):
# --num-layers 70 --hidden-size 12288 --inner-hidden-size 32768 --vocab-size 150528
# --num-attention-heads 96.
PUBLISHED_CONFIG = dict(n_layers=70, hidden=12288, ffn=32768, heads=96, vocab=150528)


@check("eq-param-count", kind="special-case", oracle="the published facts: at the configuration "
       "in GLM-130B's configs/model_glm_130b.sh, the count the paper and README give, \"130 "
       "billion parameters\", to its two significant figures (rtol 0.5e10 / 1.3e11)",
       rtol=0.5e10 / 1.3e11, cases=[Case.of(GLMConfig(**PUBLISHED_CONFIG),
                                            name="GLM-130B's published configuration")])
def param_count_published(cfg):
    return 130e9


# --- eq-weight-bytes ---------------------------------------------------------------------------

def linear_shapes(cfg: GLMConfig) -> list[tuple[int, int]]:
    """(N, K) of the four linear layers of one block, in nn.Linear's (out, in) convention."""
    h, f = cfg.hidden, cfg.ffn
    return [(3 * h, h), (h, h), (2 * f, h), (h, f)]


def scale_count(cfg: GLMConfig, bits: int) -> int:
    """S: one FP16 scale per output row and per group of g columns, over all linear layers."""
    g = DEFAULT_GROUP[bits]
    per_layer = sum(N * (1 if g is None else math.ceil(K / g)) for N, K in linear_shapes(cfg))
    return cfg.n_layers * per_layer


@equation("eq-weight-bytes")
def weight_bytes(cfg: GLMConfig, bits: int) -> float:
    """B = (p/8) P_lin + 2 S + 2 (P - P_lin): quantized linears, FP16 scales, FP16 rest."""
    P = param_count(cfg)
    if bits == 16:
        return 2 * P
    P_lin = cfg.n_layers * (4 * cfg.hidden ** 2 + 3 * cfg.hidden * cfg.ffn)
    return bits / 8 * P_lin + 2 * scale_count(cfg, bits) + 2 * (P - P_lin)


def _byte_cases(rng) -> list:
    cfgs = [GLMConfig(2, 128, 320, 4, 300), GLMConfig(1, 200, 300, 5, 77),
            GLMConfig(3, 64, 344, 2, 513), GLMConfig(1, 32, 170, 1, 10)]
    return [Case.of(c, b, name=f"L={c.n_layers} h={c.hidden} d_ff={c.ffn}, {b}-bit")
            for c in cfgs for b in (16, 8, 4)]


def _stored_bytes(name: str, p: torch.Tensor, bits: int) -> int:
    is_linear_weight = p.ndim == 2 and not name.startswith("word_embeddings")
    if bits == 16 or not is_linear_weight:
        return p.detach().half().nbytes  # embeddings, LayerNorms and biases stay FP16
    return quantize(p.detach(), bits).nbytes


@check("eq-weight-bytes", kind="definition", oracle="nbytes of the real tensors: every linear weight of a random "
       "scaled-down model quantized with kernels.quant (integers plus FP16 scales), everything "
       "else cast to FP16", rtol=0, cases=_byte_cases)
def weight_bytes_by_nbytes(cfg, bits):
    model = build_glm(cfg)
    return sum(_stored_bytes(n, p, bits) for n, p in model.named_parameters())


# --- eq-tensor-parallel-share ------------------------------------------------------------------

def replicated_bytes(cfg: GLMConfig, bits: int) -> int:
    """B_rep: what every GPU holds at full size, in FP16.

    The LayerNorms and the biases of the two row-parallel projections, and, with one scale per
    output channel (INT8), those projections' scales: a rank holding a slice of K still needs a
    scale for every output row.
    """
    per_channel_scales = 2 * cfg.hidden if bits != 16 and DEFAULT_GROUP[bits] is None else 0
    return 2 * (cfg.n_layers * (6 * cfg.hidden + per_channel_scales) + 2 * cfg.hidden)


@equation("eq-tensor-parallel-share")
def per_gpu_bytes(cfg: GLMConfig, bits: int, n_gpus: int) -> float:
    """B_gpu = (B - B_rep) / n + B_rep."""
    B_rep = replicated_bytes(cfg, bits)
    return (weight_bytes(cfg, bits) - B_rep) / n_gpus + B_rep


# Megatron-style sharding, by parameter name: dim to split, or None for "replicate".
COLUMN_PARALLEL = ("query_key_value", "dense_h_to_4h")  # split the outputs (weight rows, bias)
ROW_PARALLEL = ("dense", "dense_4h_to_h")  # split the inputs (weight columns); bias replicated


def shard_dim(name: str, p: torch.Tensor) -> int | None:
    module, kind = name.rsplit(".", 2)[-2:]
    if name.startswith("word_embeddings"):
        return 0  # vocabulary-parallel embedding
    if module in COLUMN_PARALLEL:
        return 0
    if module in ROW_PARALLEL:
        return 1 if kind == "weight" else None
    return None  # LayerNorms


def _tp_cases(rng) -> list:
    def splits_evenly(c: GLMConfig, bits: int, n: int) -> bool:
        dims = (c.hidden, c.ffn, c.vocab)
        if bits == 4:  # each shard must hold whole groups of 128 inputs
            return c.hidden // n % 128 == 0 and c.ffn // n % 128 == 0 and c.vocab % n == 0
        return all(d % n == 0 for d in dims)

    cfgs = [GLMConfig(1, 256, 512, 4, 256), GLMConfig(2, 128, 192, 2, 64)]
    return [Case.of(c, b, n, name=f"L={c.n_layers} h={c.hidden}, {b}-bit, {n} GPUs")
            for c in cfgs for b in (16, 8, 4) for n in (1, 2, 4, 8) if splits_evenly(c, b, n)]


@check("eq-tensor-parallel-share", kind="reimplementation", oracle="split a random scaled-down model's tensors across n "
       "ranks as Megatron does (column-parallel QKV and GeGLU input, row-parallel outputs, "
       "vocabulary-parallel embedding, LayerNorms replicated), quantize each shard with "
       "kernels.quant, and take the largest rank's nbytes", rtol=0, cases=_tp_cases)
def per_gpu_bytes_by_sharding(cfg, bits, n_gpus):
    model = build_glm(cfg)
    ranks = [0] * n_gpus
    for name, p in model.named_parameters():
        dim = shard_dim(name, p)
        shards = [p] * n_gpus if dim is None else list(p.detach().chunk(n_gpus, dim=dim))
        for r, shard in enumerate(shards):
            ranks[r] += _stored_bytes(name, shard, bits)
    return max(ranks)


@check("eq-tensor-parallel-share", kind="library", oracle="rank 0's shards of a random "
       "scaled-down model split by PyTorch's tensor-parallel library "
       "(torch.distributed.tensor.parallel: ColwiseParallel QKV and GeGLU input, RowwiseParallel "
       "attention and FFN outputs and embedding; a fake n-rank process group), their linear "
       "weights quantized with kernels.quant, nbytes summed: what the library replicates (the "
       "row-parallel biases, the LayerNorms) is decided by the library, not by us",
       rtol=0, cases=_tp_cases)
def per_gpu_bytes_by_torch_tp(cfg, bits, n_gpus):
    shards = rank0_shards(build_glm(cfg), n_gpus)
    return sum(_stored_bytes(name, t, bits) for name, t in shards.items())


# The README's hardware table: configurations it runs with neither offload nor anything else.
README_RUNS = [(16, 8, 40, "8 x A100 40 GB, FP16"), (8, 8, 32, "8 x V100 32 GB, INT8"),
               (8, 8, 24, "8 x RTX 3090 24 GB, INT8"), (4, 4, 24, "4 x RTX 3090 24 GB, INT4")]


@check("eq-tensor-parallel-share", kind="special-case", oracle="the published facts: GLM-130B's "
       "README runs these servers without weight offload, so at the published configuration "
       "(configs/model_glm_130b.sh) each GPU's weight share is at most the GPU's memory",
       compare="le", rtol=0, cases=[Case.of(GLMConfig(**PUBLISHED_CONFIG), bits, n, name=label)
                                    for bits, n, gib, label in README_RUNS])
def per_gpu_bytes_below_readme_memory(cfg, bits, n_gpus):
    return next(gib for b, n, gib, _ in README_RUNS if (b, n) == (bits, n_gpus)) * GiB


@check("eq-tensor-parallel-share", kind="special-case", oracle="the published fact: GLM-130B's "
       "checkpoint is \"up to 260G\" and distributed as 8 tensor-parallel shards; at the "
       "published configuration the 8 FP16 shards together hold that, to its two significant "
       "figures (260 GB, rtol 5e9 / 2.6e11); the replicated part, counted 8 times, is 0.002 %",
       rtol=5e9 / 2.6e11, cases=[Case.of(GLMConfig(**PUBLISHED_CONFIG), 16, 8,
                                          name="the 8-way FP16 checkpoint")], relation=True)
def eight_shards_make_the_checkpoint(per_gpu_bytes, cfg, bits, n_gpus):
    return n_gpus * per_gpu_bytes(cfg, bits, n_gpus), 260e9


# --- eq-kv-cache -------------------------------------------------------------------------------

@equation("eq-kv-cache")
def kv_cache_bytes(cfg: GLMConfig, tokens: int, batch: int, bytes_per_value: int) -> int:
    """KV = 2 L h T b beta: a key and a value vector of size h per layer, token and sequence."""
    return 2 * cfg.n_layers * cfg.hidden * tokens * batch * bytes_per_value


def _kv_cases(rng) -> list:
    out = []
    for L, h, heads, T, B, beta in [(2, 64, 4, 9, 1, 4), (3, 48, 3, 6, 2, 4), (1, 32, 2, 4, 3, 2),
                                    (2, 96, 6, 12, 1, 2), (4, 16, 1, 2, 1, 4)]:
        cfg = GLMConfig(L, h, int(rng.integers(8, 100)), heads, 50)
        out.append(Case.of(cfg, T, B, beta, name=f"L={L} h={h} T={T} batch={B} {8 * beta}-bit"))
    return out


@check("eq-kv-cache", kind="definition", oracle="nbytes of the K and V tensors a random scaled-down model has "
       "cached after prefilling a context and decoding token by token to T tokens", rtol=0,
       cases=_kv_cases)
def kv_cache_by_decoding(cfg, tokens, batch, bytes_per_value):
    dtype = {4: torch.float32, 2: torch.bfloat16}[bytes_per_value]
    model = build_glm(cfg).to(dtype)
    context_len = max(1, tokens - 3)
    context = torch.randint(0, cfg.vocab, (batch, context_len),
                            generator=torch.Generator().manual_seed(tokens))
    # generate() feeds back all but its last token: T = context + (steps - 1).
    _, cache = generate(model, context, steps=tokens - context_len + 1)
    assert cache.length == tokens
    return sum(t.nbytes for t in cache.tensors())


# --- eq-arithmetic-intensity -------------------------------------------------------------------

def bytes_per_weight(bits: int, K: int) -> float:
    """beta_w: storage per weight, the FP16 scales spread over the g weights they serve."""
    if bits == 16:
        return 2.0
    g = DEFAULT_GROUP[bits] or K
    return bits / 8 + 2 / min(g, K)


@equation("eq-arithmetic-intensity")
def arithmetic_intensity(batch: int, N: int, K: int, bits: int) -> float:
    """I = 2 b N K / (beta_w N K + 2 b (N + K)): FLOPs per byte of a batch-b product."""
    return 2 * batch * N * K / (bytes_per_weight(bits, K) * N * K + 2 * batch * (N + K))


def _intensity_cases(rng) -> list:
    return [Case.of(b, N, K, bits, name=f"b={b} {N}x{K} {bits}-bit")
            for b in (1, 4, 16, 64) for N, K in [(256, 384), (384, 256), (128, 128)]
            for bits in (16, 8, 4)]


@check("eq-arithmetic-intensity", kind="library", oracle="FLOPs counted by torch.utils.flop_counter."
       "FlopCounterMode on the matmul, divided by the nbytes of the FP16 input and output and of "
       "the stored weight (kernels.quant integers plus scales, or FP16)", rtol=1e-12,
       cases=_intensity_cases)
def intensity_by_counting(batch, N, K, bits):
    g = torch.Generator().manual_seed(N + K)
    w = torch.randn(N, K, generator=g)
    x = torch.randn(batch, K, generator=g)
    with FlopCounterMode(display=False) as counter:
        y = x @ w.T
    flops = counter.get_total_flops()
    stored = w.half().nbytes if bits == 16 else quantize(w, bits).nbytes
    moved = x.half().nbytes + y.half().nbytes + stored
    return flops / moved


# --- which servers fit -------------------------------------------------------------------------

@dataclass(frozen=True)
class Server:
    n_gpus: int
    gpu: str
    gib: int  # memory per GPU (the "40 GB" A100 has 40 GiB)
    readme: str | None = None  # the README's row: the precision it runs, and whether it offloads

    @property
    def label(self) -> str:
        return f"{self.n_gpus}×{self.gpu} {self.gib}G"


SERVERS = [
    Server(8, "A100", 80),
    Server(8, "A100", 40, "FP16"),
    Server(8, "V100", 32, "INT8 (FP16 with offload)"),
    Server(8, "RTX 3090", 24, "INT8"),
    Server(4, "RTX 3090", 24, "INT4"),
    Server(8, "RTX 2080 Ti", 11, "INT4 with offload"),
]
RESERVE_GIB = 3.0  # per GPU: CUDA context, NCCL buffers, activations, allocator slack
SEQ_TOKENS = 2048


def fit_row(server: Server, bits: int, cfg: GLMConfig = GLM_130B) -> dict:
    """Per-GPU memory (GiB) for weights and one full-length sequence's KV cache."""
    weights = per_gpu_bytes(cfg, bits, server.n_gpus) / GiB
    kv = kv_cache_bytes(cfg, SEQ_TOKENS, 1, 2) / server.n_gpus / GiB  # heads are split too
    headroom = server.gib - weights - kv
    return dict(server=server, bits=bits, weights=weights, kv=kv, headroom=headroom,
                fits=headroom >= RESERVE_GIB)
