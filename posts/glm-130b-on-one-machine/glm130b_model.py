"""A scaled-down GLM-130B: the same layer structure, random weights, small sizes.

Structure, following the GLM-130B code and paper (Zeng et al., ICLR 2023):

* word embeddings, tied to the output projection (logits = h @ E^T);
* each layer is post-LN with DeepNorm residual scaling alpha = (2 L)^(1/2):
      a = LN_in(x);   z = LN_post(alpha * a + Attention(a));   out = alpha * z + GeGLU(z)
  (the next layer's LN_in normalises ``out``: LayerNorm sits after every residual sum);
* attention: one fused QKV projection, rotary position embeddings on q and k, an output
  projection, and the GLM mask: bidirectional over the context, causal over the generated span;
* GeGLU feed-forward: one h -> 2 d_ff projection split into a gate and a value,
  GELU(gate) * value, then d_ff -> h;
* a final LayerNorm.

Every linear layer can be swapped for a ``QuantLinear`` holding INT8 or INT4 weights; the
embedding, the LayerNorms and the biases stay in floating point, as in GLM-130B.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.profiler import record_function

from kernels.quant import QuantizedWeight, dequantize, quantize


@dataclass(frozen=True)
class GLMConfig:
    n_layers: int
    hidden: int
    ffn: int  # GeGLU inner size d_ff
    heads: int
    vocab: int
    max_seq: int = 2048

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def alpha(self) -> float:
        """DeepNorm's residual scale, (2 L)^(1/2)."""
        return (2 * self.n_layers) ** 0.5


# configs/model_glm_130b_int4.sh in THUDM/GLM-130B.
GLM_130B = GLMConfig(n_layers=70, hidden=12288, ffn=32768, heads=96, vocab=150528, max_seq=2048)


# --- rotary embeddings and the GLM mask --------------------------------------------------------

def rotary_cos_sin(positions: torch.Tensor, head_dim: int, base: float = 10000.0):
    """cos and sin tables (T, head_dim) for rotating pairs (i, i + head_dim / 2)."""
    inv_freq = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float32,
                                      device=positions.device) / head_dim)
    angles = positions.to(torch.float32)[:, None] * inv_freq[None, :]
    angles = torch.cat((angles, angles), dim=-1)
    return angles.cos(), angles.sin()


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate each (x_i, x_{i + d/2}) pair of x (..., T, d) by its position's angle."""
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return (x * cos + rotated * sin).to(x.dtype)


def glm_mask(context_len: int, total_len: int, device=None) -> torch.Tensor:
    """allowed[i, j]: may token i attend to token j?

    Every token sees the whole context (bidirectional there); a generated token also sees the
    generated tokens up to and including itself (causal there).
    """
    i = torch.arange(total_len, device=device)[:, None]
    j = torch.arange(total_len, device=device)[None, :]
    return (j < context_len) | (j <= i)


# --- layers ------------------------------------------------------------------------------------

class QuantLinear(nn.Module):
    """A linear layer with weight-only quantized weights: y = x @ (s q)^T + b.

    ``backend="reference"`` dequantizes the whole weight and multiplies (plain PyTorch, any
    device); ``backend="triton"`` calls our fused kernel, which never materialises it.
    """

    def __init__(self, linear: nn.Linear, bits: int, group_size: int | None = None,
                 backend: str = "reference"):
        super().__init__()
        self.qw: QuantizedWeight = quantize(linear.weight.detach(), bits, group_size)
        # Buffers, so that .to(device) moves them and state_dict() holds them.
        self.register_buffer("qweight", self.qw.qweight)
        self.register_buffer("scales", self.qw.scales)
        self.bias = None if linear.bias is None else nn.Parameter(linear.bias.detach().clone())
        self.backend = backend

    @property
    def weight_bytes(self) -> int:
        return self.qweight.nbytes + self.scales.nbytes

    def _qw(self) -> QuantizedWeight:
        return QuantizedWeight(self.qweight, self.scales, self.qw.bits, self.qw.group_size,
                               self.qw.shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.backend == "triton":
            from kernels.wq_matmul import wq_matmul
            return wq_matmul(x, self._qw(), self.bias)
        with record_function("dequantize"):
            w = dequantize(self._qw(), x.dtype)
        return F.linear(x, w, None if self.bias is None else self.bias.to(x.dtype))


@dataclass
class LayerCache:
    """Keys and values of every token seen so far, (batch, heads, T, head_dim) each."""

    k: torch.Tensor | None = None
    v: torch.Tensor | None = None

    def append(self, k: torch.Tensor, v: torch.Tensor):
        self.k = k if self.k is None else torch.cat((self.k, k), dim=2)
        self.v = v if self.v is None else torch.cat((self.v, v), dim=2)
        return self.k, self.v


@dataclass
class KVCache:
    layers: list[LayerCache] = field(default_factory=list)
    context_len: int = 0

    @property
    def length(self) -> int:
        return 0 if not self.layers or self.layers[0].k is None else self.layers[0].k.shape[2]

    def tensors(self) -> list[torch.Tensor]:
        return [t for lc in self.layers for t in (lc.k, lc.v) if t is not None]


class GLMBlock(nn.Module):
    def __init__(self, cfg: GLMConfig):
        super().__init__()
        h, f = cfg.hidden, cfg.ffn
        self.cfg = cfg
        self.input_layernorm = nn.LayerNorm(h)
        self.query_key_value = nn.Linear(h, 3 * h)
        self.dense = nn.Linear(h, h)
        self.post_attention_layernorm = nn.LayerNorm(h)
        self.dense_h_to_4h = nn.Linear(h, 2 * f)  # GeGLU: gate and value in one projection
        self.dense_4h_to_h = nn.Linear(f, h)

    def attention(self, x, positions, allowed, cache: LayerCache | None):
        B, T, h = x.shape
        H, d = self.cfg.heads, self.cfg.head_dim
        q, k, v = self.query_key_value(x).view(B, T, 3, H, d).permute(2, 0, 3, 1, 4)
        cos, sin = rotary_cos_sin(positions, d)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        if cache is not None:
            k, v = cache.append(k, v)
        # GLM-130B computes the softmax in FP32 for stability; so do we.
        scores = (q.float() @ k.float().transpose(-1, -2)) / math.sqrt(d)
        scores = scores.masked_fill(~allowed, float("-inf"))
        probs = scores.softmax(dim=-1).to(v.dtype)
        out = (probs @ v).transpose(1, 2).reshape(B, T, h)
        return self.dense(out)

    def mlp(self, z):
        gate, value = self.dense_h_to_4h(z).chunk(2, dim=-1)
        return self.dense_4h_to_h(F.gelu(gate) * value)

    def forward(self, x, positions, allowed, cache: LayerCache | None = None):
        alpha = self.cfg.alpha
        with record_function("attention"):
            a = self.input_layernorm(x)
            z = self.post_attention_layernorm(alpha * a + self.attention(a, positions, allowed, cache))
        with record_function("geglu"):
            return alpha * z + self.mlp(z)


class GLMModel(nn.Module):
    def __init__(self, cfg: GLMConfig):
        super().__init__()
        self.cfg = cfg
        self.word_embeddings = nn.Embedding(cfg.vocab, cfg.hidden)
        self.layers = nn.ModuleList(GLMBlock(cfg) for _ in range(cfg.n_layers))
        self.final_layernorm = nn.LayerNorm(cfg.hidden)

    def new_cache(self) -> KVCache:
        return KVCache([LayerCache() for _ in self.layers])

    def forward(self, tokens: torch.Tensor, cache: KVCache | None = None,
                context_len: int | None = None) -> torch.Tensor:
        """Logits for ``tokens`` (batch, T).

        Without a cache, ``tokens`` is a whole sequence whose first ``context_len`` tokens are
        the context. With a cache, the first call (prefill) passes the context and later calls
        one generated token at a time; keys and values of earlier tokens come from the cache.
        """
        B, T = tokens.shape
        past = 0 if cache is None else cache.length
        if cache is not None and past == 0:
            cache.context_len = T if context_len is None else context_len
        ctx = cache.context_len if cache is not None else (T if context_len is None else context_len)
        positions = torch.arange(past, past + T, device=tokens.device)
        allowed = glm_mask(ctx, past + T, tokens.device)[past:past + T]  # rows: new tokens; cols: all tokens
        x = self.word_embeddings(tokens)
        for i, layer in enumerate(self.layers):
            x = layer(x, positions, allowed, None if cache is None else cache.layers[i])
        x = self.final_layernorm(x)
        return x @ self.word_embeddings.weight.T.to(x.dtype)


def init_glm_(model: GLMModel, seed: int = 0) -> GLMModel:
    """Random weights in the spirit of DeepNorm: Xavier normal, value/output/FFN scaled by (2L)^(-1/2)."""
    g = torch.Generator().manual_seed(seed)
    beta = (2 * model.cfg.n_layers) ** -0.5
    h = model.cfg.hidden
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 1:
                if name.endswith("layernorm.weight"):
                    p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
                else:  # biases and LayerNorm shifts
                    p.copy_(0.02 * torch.randn(p.shape, generator=g))
                continue
            fan_out, fan_in = p.shape
            std = (2.0 / (fan_in + fan_out)) ** 0.5
            p.copy_(std * torch.randn(p.shape, generator=g))
            if name.endswith(("dense.weight", "dense_h_to_4h.weight", "dense_4h_to_h.weight")):
                p.mul_(beta)
            elif name.endswith("query_key_value.weight"):
                p[2 * h:].mul_(beta)  # the value projection
    return model


def build_glm(cfg: GLMConfig, seed: int = 0) -> GLMModel:
    return init_glm_(GLMModel(cfg), seed).eval()


LINEAR_NAMES = ("query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h")


def quantize_model(model: GLMModel, bits: int, group_size: int | None = None,
                   backend: str = "reference") -> GLMModel:
    """A copy of ``model`` whose four linear layers per block hold quantized weights."""
    import copy

    q = copy.deepcopy(model)
    for layer in q.layers:
        for name in LINEAR_NAMES:
            setattr(layer, name, QuantLinear(getattr(layer, name), bits, group_size, backend))
    return q


@torch.no_grad()
def generate(model: GLMModel, context: torch.Tensor, steps: int) -> tuple[torch.Tensor, KVCache]:
    """Greedy decoding with a KV cache: prefill the context, then one token per step."""
    cache = model.new_cache()
    logits = model(context, cache, context_len=context.shape[1])
    tokens = [logits[:, -1].argmax(-1, keepdim=True)]
    for _ in range(steps - 1):
        logits = model(tokens[-1], cache)
        tokens.append(logits[:, -1].argmax(-1, keepdim=True))
    return torch.cat(tokens, dim=1), cache
