"""Mutation analysis: do an equation's checks catch altered versions of its counterpart?

For each label whose checks pass, every mutant of the counterpart (see ``mutants``) is run
through each of the label's checks on the same cases, each check stopping at its first failing
case. A mutant no check catches survives, unless the author declared it equivalent (the same
mathematical function) with a reason. A check that catches none of the mutants the others catch
cannot fail in the way that matters, and is named.
"""

from __future__ import annotations

import copy
import signal
import time
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np

from .api import Registry
from .mutants import Mutant, NotMutable, compile_mutant, mutants
from .runner import _cases, run_check

MIN_SECONDS = 5.0  # a mutant may take this long on one check, or
SLOWDOWN = 20  # this many times the original's time, whichever is longer, before it is stopped


@dataclass
class LabelMutation:
    label: str
    total: int = 0
    caught: int = 0
    survivors: list[dict] = field(default_factory=list)  # {id, diff}
    equivalent: list[dict] = field(default_factory=list)  # {id, diff, reason}
    stale_equivalent: list[str] = field(default_factory=list)  # declared, but caught or gone
    by_check: dict = field(default_factory=dict)  # check name -> mutants it caught
    cannot_fail: list[str] = field(default_factory=list)  # checks that caught none
    skipped: str = ""  # why the label was not analysed
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


class _Timeout(Exception):
    pass


@contextmanager
def _time_limit(seconds: float):
    """Stop a mutant that runs away (a changed constant can make a loop endless). SIGALRM: the
    analysis runs in its own process's main thread."""
    def stop(signum, frame):
        raise _Timeout()
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _caught(chk, func, cases, limit: float) -> bool:
    try:
        with _time_limit(limit), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            # A copy: a mutant that writes into its arguments must not alter the next one's.
            return not run_check(chk, func, stop_early=True, cases=copy.deepcopy(cases)).passed
    except _Timeout:
        return True  # ran past any reasonable time: the check would not pass it


def analyse_label(registry: Registry, label: str) -> LabelMutation:
    out = LabelMutation(label)
    t0 = time.perf_counter()
    cp = registry.counterparts.get(label)
    checks = registry.checks.get(label, [])
    if cp is None or not checks:
        out.skipped = "no counterpart or no check"
        return out
    try:
        found: list[Mutant] = mutants(cp.func)
    except NotMutable as exc:
        out.skipped = str(exc)
        return out
    # The original first: its cases, and how long each check takes on it.
    plan = []
    for chk in checks:
        cases = _cases(chk)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ok = run_check(chk, cp.func, cases=cases).passed
        if not ok:
            out.skipped = f"the check {chk.name} does not pass on the counterpart itself"
            return out
        plan.append((chk, cases, max(MIN_SECONDS, SLOWDOWN * (time.perf_counter() - start))))
    out.by_check = {chk.name: 0 for chk in checks}
    declared = dict(cp.equivalent)
    for m in found:
        out.total += 1
        try:
            func = compile_mutant(cp.func, m)
        except Exception:  # noqa: BLE001 - a mutant that does not even compile is caught
            out.caught += 1
            continue
        caught_by = [chk.name for chk, cases, limit in plan if _caught(chk, func, cases, limit)]
        for name in caught_by:
            out.by_check[name] += 1
        if caught_by:
            out.caught += 1
            if m.id in declared:
                out.stale_equivalent.append(m.id)
        elif m.id in declared:
            out.equivalent.append({"id": m.id, "diff": m.diff, "reason": declared[m.id]})
        else:
            out.survivors.append({"id": m.id, "diff": m.diff})
    ids = {m.id for m in found}
    out.stale_equivalent += sorted(set(declared) - ids)
    if out.caught:
        out.cannot_fail = [name for name, n in out.by_check.items() if n == 0]
    out.seconds = round(time.perf_counter() - t0, 2)
    return out


def analyse(registry: Registry, labels: list[str]) -> list[LabelMutation]:
    return [analyse_label(registry, label) for label in labels]
