"""Run every check of a post's equations and say, as plain data, what was measured."""

from __future__ import annotations

import traceback
from pathlib import Path
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

import numpy as np

from .api import INDEPENDENT_KINDS, Case, Check, Estimate, Registry, _in_oracle
from .shape import same_shape

_FOLIO = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class CheckResult:
    label: str
    name: str
    oracle: str
    kind: str
    tolerance: str
    cases: int
    max_abs_error: float
    max_rel_error: float
    max_se: float | None  # Monte Carlo checks: the largest deviation in standard errors
    passed: bool
    message: str
    where: str
    relation: bool
    absolute: bool = False  # some case's expected value was 0: report the absolute error
    # Set when the oracle's body has the counterpart's shape (the same calls and operators under
    # other names): a re-implementation, whatever its declared kind.
    same_shape: str = ""

    @property
    def independent(self) -> bool:
        return self.kind in INDEPENDENT_KINDS and not self.same_shape


@dataclass(frozen=True)
class EquationResult:
    label: str
    counterpart: str | None  # "module.function (file:line)"
    counterpart_where: str | None
    checks: tuple[CheckResult, ...]
    problem: str = ""  # set when there is nothing to verify: no counterpart, no check

    @property
    def passed(self) -> bool:
        return not self.problem and bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def status(self) -> str:
        """'verified': every check passed and one is independent of the counterpart's formula;
        'consistent': every check passed, but all are re-implementations or properties, which
        share an error in the equation; 'failed' otherwise."""
        if not self.passed:
            return "failed"
        return "verified" if any(c.independent for c in self.checks) else "consistent"

    @property
    def verified(self) -> bool:
        return self.status == "verified"

    def to_dict(self) -> dict:
        d = asdict(self)
        for c, r in zip(d["checks"], self.checks):
            c["independent"] = r.independent
        d["verified"] = self.verified
        d["status"] = self.status
        return d


def as_array(value: Any) -> np.ndarray:
    """Numbers, numpy arrays, torch tensors and nested sequences of them, as float64."""
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch here
        value = value.detach().cpu().numpy()
    if isinstance(value, (tuple, list)):
        return np.concatenate([as_array(v).ravel() for v in value]) if value else np.zeros(0)
    return np.asarray(value, dtype=np.float64)


def _cases(chk: Check) -> list[Case]:
    raw: Iterable = chk.cases(np.random.default_rng(chk.seed)) if callable(chk.cases) else chk.cases
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, Case):
            out.append(item if item.name else Case(item.args, item.kwargs, f"case {i}"))
        elif isinstance(item, tuple):
            out.append(Case(item, {}, f"case {i}"))
        else:
            out.append(Case((item,), {}, f"case {i}"))
    return out


@dataclass
class _Tally:
    abs_err: float = 0.0
    rel_err: float = 0.0
    se: float | None = None
    zero_scale: bool = False  # an oracle value of 0: the relative error means nothing
    failures: list[str] = field(default_factory=list)


def _compare(chk: Check, got: Any, want: Any, case: Case, tally: _Tally) -> None:
    if isinstance(want, Estimate):
        value, se = as_array(want.value), as_array(want.se)
    else:
        value, se = as_array(want), None
    g = as_array(got)
    if g.shape != value.shape and g.size != value.size:
        tally.failures.append(f"{case.name}: shape {g.shape} vs oracle {value.shape}")
        return
    g = g.reshape(value.shape)
    if not np.all(np.isfinite(g)):
        tally.failures.append(f"{case.name}: counterpart returned a non-finite value")
        return
    diff = g - value
    scale = float(np.max(np.abs(value))) if value.size else 0.0
    abs_err = float(np.max(np.abs(diff))) if diff.size else 0.0
    rel_err = abs_err / scale if scale > 0 else abs_err
    tally.zero_scale |= scale == 0
    bound = chk.atol + chk.rtol * np.abs(value)
    if chk.compare == "le":
        ok = bool(np.all(diff <= bound))
        abs_err = float(max(np.max(diff), 0.0)) if diff.size else 0.0
        rel_err = abs_err / scale if scale > 0 else abs_err
    elif chk.compare == "ge":
        ok = bool(np.all(-diff <= bound))
        abs_err = float(max(np.max(-diff), 0.0)) if diff.size else 0.0
        rel_err = abs_err / scale if scale > 0 else abs_err
    elif se is not None:
        se = np.broadcast_to(se, value.shape)
        in_se = np.abs(diff) / np.where(se > 0, se, np.inf)
        worst = float(np.max(in_se)) if in_se.size else 0.0
        tally.se = max(tally.se or 0.0, worst)
        ok = bool(np.all(np.abs(diff) <= chk.n_se * se + chk.atol))
    else:
        # Normwise: a relative tolerance measured against the oracle's largest entry, so entries
        # that happen to be near zero do not demand impossible relative accuracy.
        ok = abs_err <= chk.atol + chk.rtol * scale
    tally.abs_err = max(tally.abs_err, abs_err)
    tally.rel_err = max(tally.rel_err, rel_err)
    if not ok:
        tally.failures.append(
            f"{case.name}: max abs error {abs_err:.3g}, rel {rel_err:.3g} "
            f"exceeds {chk.se_tolerance if se is not None else chk.tolerance}"
        )


def run_check(chk: Check, counterpart, *, stop_early: bool = False,
              cases: list[Case] | None = None, shape: str = "") -> CheckResult:
    """Run one check over its cases. ``stop_early``: return at the first failing case (the
    mutation analysis only needs to know whether a mutant is caught)."""
    tally = _Tally()
    n = 0
    try:
        for case in cases if cases is not None else _cases(chk):
            n += 1
            if chk.relation:
                got, want = chk.func(counterpart, *case.args, **case.kwargs)
            else:
                got = counterpart(*case.args, **case.kwargs)
                token = _in_oracle.set((chk.label, chk.name))
                try:
                    want = chk.func(*case.args, **case.kwargs)
                finally:
                    _in_oracle.reset(token)
            _compare(chk, got, want, case, tally)
            if stop_early and tally.failures:
                break
    except Exception as exc:  # a check that raises is a failed check, not a crashed build
        # Point at the post's code, not at folio's frames the error passed through.
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if _FOLIO not in f.filename]
        at = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
        tally.failures.append(f"raised {type(exc).__name__}: {exc}{at}")
    if n == 0:
        tally.failures.append("no cases: give the check at least one input")
    return CheckResult(
        label=chk.label, name=chk.name, oracle=chk.oracle, kind=chk.kind,
        tolerance=chk.se_tolerance if tally.se is not None else chk.tolerance, cases=n,
        max_abs_error=tally.abs_err, max_rel_error=tally.rel_err, max_se=tally.se,
        passed=not tally.failures, message="; ".join(tally.failures[:3]),
        where=f"{chk.file}:{chk.line}", relation=chk.relation, same_shape=shape,
        absolute=tally.zero_scale,
    )


def verify(registry: Registry, labels: Iterable[str]) -> list[EquationResult]:
    """Check each label of a post. Labels with no counterpart or no check fail, by name."""
    results = []
    for label in labels:
        cp = registry.counterparts.get(label)
        checks = registry.checks.get(label, [])
        if cp is None:
            results.append(EquationResult(label, None, None, (), problem=(
                f"no counterpart: decorate the function that implements it with "
                f"@equation({label!r}) in the post's own module")))
            continue
        name = f"{cp.func.__module__}.{cp.func.__name__}"
        where = f"{cp.file}:{cp.line}"
        if not checks:
            results.append(EquationResult(label, name, where, (), problem=(
                f"no check: add @check({label!r}, oracle=..., cases=...) comparing it "
                "with an independent oracle")))
            continue
        results.append(EquationResult(label, name, where, tuple(
            run_check(c, cp.func, shape=same_shape(c, cp)) for c in checks)))
    return results
