"""What execution hands to rendering: an immutable record, built from a run or from the cache."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import FolioError


@dataclass(frozen=True)
class CellOutputs:
    number: int  # code cell number in the post
    outputs: tuple  # nbformat output dicts, kernel noise removed
    frozen: dict | None = None  # provenance when the outputs come from a frozen GPU run
    pending: bool = False  # a GPU cell with no usable frozen result


@dataclass(frozen=True)
class ExecutionResult:
    slug: str
    status: str  # "executed", "cached", "frozen" or "failed"
    seconds: float  # wall time of the execution that produced these outputs
    peak_memory_mb: float | None
    device: str
    key: str
    cells: tuple[CellOutputs, ...] = ()
    checks: dict = field(default_factory=dict)
    error: FolioError | None = None
    kernels_started: int = 0
    gpu_pending: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    def outputs_of(self, number: int) -> CellOutputs | None:
        return next((c for c in self.cells if c.number == number), None)
