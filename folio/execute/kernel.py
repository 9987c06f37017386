"""Execute one post in its own Jupyter kernel, or take its outputs from the cache."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path


from .ahead import WarmKernel, setup_source
from .cache import Cache
from .cachekey import key_of, key_parts
from ..config import CELL_TIMEOUT
from ..errors import CellExecutionFailed
from ..post import Cell, Post
from ..runtime.mimetypes import CHECKS, RUNINFO
from .device import Device
from .env import kernel_argv, kernel_env
from .failure import cell_failure
from .frozen import FrozenStore, source_hash
from .noise import clean_outputs
from .portable import portable, relative_to_root
from .result import CellOutputs, ExecutionResult


@dataclass(frozen=True)
class ExecContext:
    root: Path
    cache: Cache
    figures_dir: Path
    lock_file: Path
    device: Device
    timeout: int = CELL_TIMEOUT
    warm: WarmKernel | None = None  # a kernel started ahead, for the first post that runs


def frozen_kind(cell: Cell, post: Post) -> str | None:
    """'gpu' for cells that need CUDA (tagged, or untagged in a `requires: gpu` post), 'profile'
    for measurement cells; both keep their outputs in frozen files. None for ordinary cells."""
    if cell.is_gpu or (post.meta.requires == "gpu" and "cpu" not in cell.tags):
        return "gpu"
    return "profile" if "profile" in cell.tags else None


def runs_here(cell: Cell, post: Post, device: Device, frozen: "FrozenPlan") -> bool:
    """GPU cells run only where CUDA is. Profile cells run only when no frozen measurement
    exists for their current source, so a timing is taken once per change, not once per build."""
    kind = frozen_kind(cell, post)
    if kind == "gpu":
        return device.gpu
    if kind == "profile":
        return not frozen.current(cell)
    return True


@dataclass(frozen=True)
class FrozenPlan:
    """The post's frozen store and the source hash of each of its frozen-kind cells."""

    store: FrozenStore
    hashes: dict  # cell number -> source hash

    def current(self, cell: Cell) -> bool:
        return cell.number in self.hashes and self.store.load(self.hashes[cell.number]) is not None


def _kernel_manager_class():
    """nbclient's kernel manager, started with this interpreter (``env.kernel_argv``) whatever
    kernelspec named python3 is installed: a kernelspec may point at another interpreter and
    add environment variables of its own."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    from .client import ReadyClient

    class PinnedKernelManager(AsyncKernelManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.client_factory = ReadyClient  # see execute.client

        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(argv=kernel_argv(), display_name="Python 3",
                                               language="python", env={})
            return self._kernel_spec

    return PinnedKernelManager


def _notebook(post: Post, cells: list[Cell]) -> nbformat.NotebookNode:
    import nbformat  # not at the top: 0.15 s to import, and a no-op build needs none

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for c in cells:
        nb.cells.append(nbformat.v4.new_code_cell(c.source, metadata={"folio": {"number": c.number}}))
    labels = [e.label for e in post.equations]
    tail = ("from folio.execute.kernel_tail import finish\n"
            f"finish({str(post.dir.resolve())!r}, {post.slug!r}, {labels!r})")
    nb.cells.append(nbformat.v4.new_code_cell(tail, metadata={"folio": {"tail": True}}))
    return nb


def _run_kernel(post: Post, ctx: ExecContext, key: str, plan: FrozenPlan) -> ExecutionResult:
    # Imported here: a build whose posts are all cached starts no kernel and needs no client.
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    cells = [c for c in post.code_cells if runs_here(c, post, ctx.device, plan)]
    nb = _notebook(post, cells)
    km = ctx.warm.take(ctx.device.gpu) if ctx.warm is not None else None
    if km is not None:  # started ahead: its first cell makes it this post's kernel
        nb.cells.insert(0, nbformat.v4.new_code_cell(
            setup_source(post.dir, ctx.root, post.slug, ctx.device.gpu)))
    client = NotebookClient(nb, timeout=ctx.timeout, kernel_name="python3", allow_errors=False,
                            kernel_manager_class=_kernel_manager_class(),
                            **({"km": km} if km is not None else {}),
                            resources={"metadata": {"path": str(post.dir.resolve())}})
    start = time.perf_counter()
    error = None
    try:
        # The kernel's own stderr (its TCP-transport warning) is not the post's output.
        _execute(client, nb, km, env=kernel_env(post.dir, ctx.root, post.slug, ctx.device.gpu),
                 stderr=subprocess.DEVNULL)
    except CellTimeoutError:
        cell = _failed_cell(nb, cells)
        error = CellExecutionFailed(
            f"code cell {cell.number} ran longer than {ctx.timeout} s and was stopped",
            file=post.path, line=cell.line,
            hint="make the cell faster, or raise the limit with folio build --timeout SECONDS")
    except DeadKernelError as exc:
        cell = _failed_cell(nb, cells)
        error = CellExecutionFailed(
            f"the kernel died while running code cell {cell.number} ({exc})",
            file=post.path, line=cell.line,
            hint="the cell probably ran out of memory or crashed the interpreter; run it in "
                 "Jupyter to see where")
    except CellExecutionError:
        cell, err = _error_output(nb, cells)
        error = cell_failure(post, cell, err.get("ename", "Error"), err.get("evalue", ""),
                             err.get("traceback", []))
    except (RuntimeError, TimeoutError, OSError) as exc:
        if any(c.get("execution_count") for c in nb.cells):
            raise
        # Nothing ran: the kernel itself did not start (ipykernel missing from the interpreter,
        # no room for its connection file, ...).
        error = CellExecutionFailed(
            f"the kernel could not start ({type(exc).__name__}: {exc})", file=post.path,
            hint=f"check that {kernel_argv()[0]} -m ipykernel_launcher runs; the other posts "
                 "are unaffected, and --keep-going builds them")
    seconds = time.perf_counter() - start
    return _collect(post, ctx, key, nb, cells, seconds, error)


def _execute(client, nb, km, **kwargs) -> None:
    """``client.execute``; with a kernel started ahead (``km``), its setup cell is taken out of
    the notebook again and the kernel shut down, as the client does with a kernel it started,
    but on a thread: the post's outputs are ready, and jupyter_client's wait for the killed
    process to go (0.11 s) need not hold up the page (``wait_for_shutdowns`` at the build's
    end)."""
    try:
        client.execute(**kwargs)
    finally:
        if km is not None:
            del nb.cells[0]
            if client.kc is not None:
                client.kc.stop_channels()
            shutdown_later(km)


_SHUTDOWNS: list = []


def shutdown_later(km) -> None:
    """Kill the kernel ``km`` manages, on a thread."""
    import threading

    def shutdown() -> None:
        import asyncio

        try:
            asyncio.run(km.shutdown_kernel(now=True))
        except Exception:  # noqa: BLE001 - the process is gone either way
            pass

    thread = threading.Thread(target=shutdown, daemon=True)
    thread.start()
    _SHUTDOWNS.append(thread)


def wait_for_shutdowns() -> None:
    """Until every kernel handed to ``shutdown_later`` is gone (a build leaves none running)."""
    while _SHUTDOWNS:
        _SHUTDOWNS.pop().join()


def _error_output(nb, cells: list[Cell]) -> tuple[Cell, dict]:
    for nb_cell, cell in zip(nb.cells, cells):
        for out in nb_cell.get("outputs", []):
            if out.get("output_type") == "error":
                return cell, out
    tail = nb.cells[-1]
    for out in tail.get("outputs", []):
        if out.get("output_type") == "error":
            return Cell("code", tail.source, cells[-1].line if cells else 1, (), len(cells) + 1), out
    return (cells[-1] if cells else Cell("code", "", 1, (), 1)), {}


def _failed_cell(nb, cells: list[Cell]) -> Cell:
    """The first cell that did not finish: the one that timed out or killed the kernel."""
    for nb_cell, cell in zip(nb.cells, cells):
        if "execution" not in nb_cell.get("metadata", {}) or not nb_cell.get("execution_count"):
            return cell
    return cells[-1] if cells else Cell("code", "", 1, (), 1)


def _collect(post, ctx, key, nb, cells, seconds, error) -> ExecutionResult:
    out_cells = []
    for nb_cell, cell in zip(nb.cells, cells):
        outputs = clean_outputs(nb_cell.get("outputs", []))
        out_cells.append(CellOutputs(cell.number, tuple(portable(o, ctx.root) for o in outputs)))
    checks, peak = {}, None
    for out in nb.cells[-1].get("outputs", []):
        data = out.get("data", {})
        if CHECKS in data:
            checks = relative_to_root(data[CHECKS], ctx.root)
        if RUNINFO in data:
            peak = data[RUNINFO].get("peak_memory_mb")
    return ExecutionResult(
        slug=post.slug, status="failed" if error else "executed", seconds=round(seconds, 2),
        peak_memory_mb=peak, device=ctx.device.name, key=key, cells=tuple(out_cells),
        checks=checks, error=error, kernels_started=1)


def _to_cache(result: ExecutionResult) -> tuple[nbformat.NotebookNode, dict]:
    import nbformat

    nb = nbformat.v4.new_notebook()
    for c in result.cells:
        cell = nbformat.v4.new_code_cell("", metadata={"folio": {"number": c.number}})
        cell.outputs = [nbformat.from_dict(o) for o in c.outputs]
        nb.cells.append(cell)
    record = {"slug": result.slug, "seconds": result.seconds,
              "peak_memory_mb": result.peak_memory_mb, "device": result.device,
              "checks": result.checks}
    return nb, record


def _from_cache(post: Post, key: str, nb, record: dict) -> ExecutionResult:
    cells = tuple(CellOutputs(c.metadata["folio"]["number"], tuple(c.get("outputs", [])))
                  for c in nb.cells)
    return ExecutionResult(
        slug=post.slug, status="cached", seconds=record.get("seconds", 0.0),
        peak_memory_mb=record.get("peak_memory_mb"), device=record.get("device", "?"), key=key,
        cells=cells, checks=record.get("checks", {}))


def _plan(post: Post, ctx: ExecContext, deps: dict) -> FrozenPlan:
    hashes = {c.number: source_hash(c, deps) for c in post.code_cells if frozen_kind(c, post)}
    return FrozenPlan(FrozenStore(ctx.figures_dir, post.slug), hashes)


def _with_frozen(post: Post, ctx: ExecContext, result: ExecutionResult, plan: FrozenPlan) -> ExecutionResult:
    """Freeze the outputs of frozen-kind cells that ran; show frozen outputs for those that did
    not (or 'pending' for a GPU cell with no current result)."""
    if not plan.hashes or not result.ok:
        return result
    store, ran = plan.store, {c.number for c in result.cells}
    cells = {c.number: c for c in result.cells}
    by_number = {c.number: c for c in post.code_cells}
    if result.status == "executed":
        for number, h in plan.hashes.items():
            if number in ran:
                outs = cells[number]
                store.save(h, by_number[number], list(outs.outputs), ctx.device.provenance())
        store.prune(set(plan.hashes.values()))
    pending = from_store = 0
    for number, h in plan.hashes.items():
        frozen = store.load(h)
        if frozen is None:
            if number not in ran:
                pending += 1
                cells[number] = CellOutputs(number, (), pending=True)
            continue
        cells[number] = CellOutputs(number, tuple(frozen.outputs), frozen=frozen.provenance)
        from_store += number not in ran or result.status == "cached"
    ordered = tuple(cells[n] for n in sorted(cells))
    status = "frozen" if from_store else result.status
    return replace(result, cells=ordered, status=status, gpu_pending=pending)


def post_key_parts(post: Post, ctx: ExecContext) -> dict:
    return key_parts(post, root=ctx.root, lock_file=ctx.lock_file, gpu=ctx.device.gpu)


def execute_post(post: Post, ctx: ExecContext, *, force: bool = False,
                 cache_only: bool = False, parts: dict | None = None) -> ExecutionResult | None:
    """The post's outputs, from the cache or by running it; ``cache_only``: None on a miss.
    ``parts``: its key's parts, if the caller has them."""
    parts = parts if parts is not None else post_key_parts(post, ctx)
    key = key_of(parts)
    plan = _plan(post, ctx, {"post_files": parts["post_files"], "kernels": parts["kernels"]})
    hit = None if force else ctx.cache.get(key)
    if hit is not None:
        result = _from_cache(post, key, *hit)
    elif cache_only:
        return None
    else:
        result = _run_kernel(post, ctx, key, plan)
        if result.ok:
            ctx.cache.put(key, *_to_cache(result))
    return _with_frozen(post, ctx, result, plan)
