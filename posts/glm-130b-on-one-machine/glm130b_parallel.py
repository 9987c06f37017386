"""Megatron-style tensor parallelism of the scaled-down GLM, done by PyTorch's own library.

``torch.distributed.tensor.parallel`` shards a module with ``ColwiseParallel`` (split the
outputs: weight rows and bias) or ``RowwiseParallel`` (split the inputs: weight columns, bias
replicated, output a partial sum that needs an all-reduce). A "fake" process group lets one
process build the shards that rank 0 of an n-way group would hold, without n processes or any
communication. The checks of the memory and timing equations use these shards as an oracle
that does not depend on our own bookkeeping of what is split and what is replicated.
"""

from __future__ import annotations

import contextlib
import warnings

import torch
import torch.distributed as dist
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.tensor import DTensor, Replicate
from torch.distributed.tensor.debug import CommDebugMode
from torch.distributed.tensor.parallel import ColwiseParallel, RowwiseParallel, parallelize_module
from torch.testing._internal.distributed.fake_pg import FakeStore

from glm130b_model import GLMModel


@contextlib.contextmanager
def fake_group(n_ranks: int):
    """A device mesh of ``n_ranks`` CPU ranks, seen from rank 0, in this one process."""
    if dist.is_initialized():
        raise RuntimeError("a process group is already initialised; the fake one needs its own")
    dist.init_process_group("fake", store=FakeStore(), rank=0, world_size=n_ranks)
    try:
        yield init_device_mesh("cpu", (n_ranks,))
    finally:
        dist.destroy_process_group()


def megatron_plan(model: GLMModel) -> dict:
    """The Megatron-LM recipe (Shoeybi et al., 2019), in torch's tensor-parallel styles:
    column-parallel QKV and GeGLU input, row-parallel attention output and FFN output, and the
    vocabulary-parallel embedding (rows of the table split, lookups summed by an all-reduce)."""
    plan = {"word_embeddings": RowwiseParallel(input_layouts=Replicate())}
    for i in range(len(model.layers)):
        plan[f"layers.{i}.query_key_value"] = ColwiseParallel()
        plan[f"layers.{i}.dense"] = RowwiseParallel()
        plan[f"layers.{i}.dense_h_to_4h"] = ColwiseParallel()
        plan[f"layers.{i}.dense_4h_to_h"] = RowwiseParallel()
    return plan


def rank0_shards(model: GLMModel, n_ranks: int) -> dict[str, torch.Tensor]:
    """Every parameter as rank 0 of an n-way tensor-parallel group holds it (its local shard,
    or the full tensor where the library replicates it). ``model`` is sharded in place."""
    with fake_group(n_ranks) as mesh, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fake backend and DTensor warn about CPU use
        parallelize_module(model, mesh, megatron_plan(model))
        out = {}
        for name, p in model.named_parameters():
            t = p.data
            out[name] = (t.to_local() if isinstance(t, DTensor) else t).detach().clone()
        return out


def allreduces_per_token(model: GLMModel, n_ranks: int, batch: int = 1) -> int:
    """How many all-reduces the library issues to produce one token's hidden states: every
    sharded module of the model called once on a batch of one-token inputs (rank 0's view),
    with torch's CommDebugMode counting the collectives. ``model`` is sharded in place."""
    h, f = model.cfg.hidden, model.cfg.ffn
    with fake_group(n_ranks) as mesh, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parallelize_module(model, mesh, megatron_plan(model))
        comm = CommDebugMode()
        with comm, torch.no_grad():
            outs = [model.word_embeddings(torch.zeros((batch, 1), dtype=torch.long))]
            for blk in model.layers:
                x = torch.zeros(batch, 1, h)
                outs += [blk.query_key_value(x), blk.dense(torch.zeros(batch, 1, h // n_ranks)),
                         blk.dense_h_to_4h(x), blk.dense_4h_to_h(torch.zeros(batch, 1, f // n_ranks))]
            torch.stack([o.sum() for o in outs])  # wait for every collective
        counts = comm.get_comm_counts()
        return sum(c for op, c in counts.items() if "all_reduce" in str(op))
