"""What a post's own module uses to tie an equation to code.

    @equation("eq-frobenius-trace")
    def frobenius_sq(X):
        return np.trace(X.T @ X)

    @check("eq-frobenius-trace", oracle="numpy.linalg.norm(X, 'fro')**2", rtol=1e-12,
           cases=lambda rng: [rng.standard_normal((4, 6)) for _ in range(5)])
    def frobenius_by_numpy(X):
        return np.linalg.norm(X, "fro") ** 2

The counterpart implements the equation; the check's function is the independent oracle. The
runner calls both on every case and compares. An oracle that calls the counterpart is caught at run
time (see ``_in_oracle``) and fails its check.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

# Set while an oracle runs, so a counterpart called from inside it can refuse.
_in_oracle: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "_in_oracle", default=None)  # (label under check, oracle name)

COMPARISONS = ("close", "le", "ge")

# What kind of oracle a check is. The first six reach the answer another way than the
# counterpart does, so they can catch an error in the equation itself; the last two cannot (a
# re-implementation shares any error in the formula; a property may hold for wrong formulas too),
# and an equation checked only by those is shown as "consistent", not "verified".
KINDS = {
    "finite-differences": "finite differences",
    "autograd": "automatic differentiation",
    "simulation": "a simulation",
    "library": "a library routine",
    "special-case": "an exact special case",
    "definition": "a direct evaluation of the definition",
    "property": "a property or theorem",
    "reimplementation": "a re-implementation",
}
INDEPENDENT_KINDS = frozenset(list(KINDS)[:6])


class OracleCallsCounterpart(RuntimeError):
    """An oracle used the very code it is meant to check."""


class RegistrationError(ValueError):
    """A label registered twice, or a check with bad options."""


@dataclass(frozen=True)
class Case:
    """One input to a check: positional and keyword arguments, and a name for the report."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    name: str = ""

    @classmethod
    def of(cls, *args, name: str = "", **kwargs) -> "Case":
        return cls(args=args, kwargs=kwargs, name=name)


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo oracle's answer: a value and its standard error."""

    value: Any
    se: Any


@dataclass(frozen=True)
class Counterpart:
    label: str
    func: Callable
    file: str
    line: int
    # Mutants the author declares equivalent (the same mathematical function): id -> reason.
    equivalent: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    label: str
    name: str
    oracle: str
    kind: str
    func: Callable
    cases: Any
    rtol: float
    atol: float
    compare: str
    n_se: float
    relation: bool
    seed: int
    file: str
    line: int

    @property
    def tolerance(self) -> str:
        """The tolerance in words; Monte Carlo checks state theirs in standard errors instead."""
        if self.compare != "close":
            sign = "≤" if self.compare == "le" else "≥"
            return f"counterpart {sign} oracle (slack: rtol {self.rtol:g}, atol {self.atol:g})"
        parts = [f"rtol {self.rtol:g}"] if self.rtol or not self.atol else []
        if self.atol:
            parts.append(f"atol {self.atol:g}")
        return ", ".join(parts)

    @property
    def se_tolerance(self) -> str:
        extra = f" + atol {self.atol:g}" if self.atol else ""
        return f"{self.n_se:g} standard errors{extra}"


@dataclass
class Registry:
    counterparts: dict[str, Counterpart] = field(default_factory=dict)
    checks: dict[str, list[Check]] = field(default_factory=dict)

    def add_counterpart(self, cp: Counterpart) -> None:
        old = self.counterparts.get(cp.label)
        if old is not None and (old.file, old.line) != (cp.file, cp.line):
            raise RegistrationError(
                f"{cp.file}:{cp.line}: {cp.label!r} already has a counterpart at "
                f"{old.file}:{old.line}; give each equation exactly one"
            )
        self.counterparts[cp.label] = cp

    def add_check(self, chk: Check) -> None:
        existing = self.checks.setdefault(chk.label, [])
        if not any((c.file, c.line) == (chk.file, chk.line) for c in existing):
            existing.append(chk)


# The registry decorators write to; discovery swaps in a fresh one per post.
_registry: contextvars.ContextVar[Registry] = contextvars.ContextVar("_registry", default=Registry())


def current_registry() -> Registry:
    return _registry.get()


def use_registry(registry: Registry) -> contextvars.Token:
    return _registry.set(registry)


def _where(func: Callable) -> tuple[str, int]:
    func = inspect.unwrap(func)
    try:
        return inspect.getsourcefile(func) or "<unknown>", inspect.getsourcelines(func)[1]
    except (OSError, TypeError):
        return "<unknown>", 0


def equation(label: str, *, equivalent: dict[str, str] | None = None
             ) -> Callable[[Callable], Callable]:
    """Register ``func`` as the code counterpart of the display equation ``label``.

    ``equivalent`` declares mutants (by the id ``folio equations --mutants`` prints) that compute
    the same mathematical function as the counterpart, each with the reason it is equivalent; they
    are shown with the reason instead of counting as survivors.
    """
    if not label.startswith("eq-"):
        raise RegistrationError(f"equation labels start with 'eq-': got {label!r}")
    equivalent = dict(equivalent or {})
    for mutant, reason in equivalent.items():
        if not isinstance(reason, str) or not reason.strip():
            raise RegistrationError(
                f"@equation({label!r}): the equivalent mutant {mutant!r} needs a reason "
                "(why it computes the same function), e.g. equivalent={'<id>': 'the result is 0 "
                "by construction'}")

    def register(func: Callable) -> Callable:
        @functools.wraps(func)
        def counterpart(*args, **kwargs):
            # Only the counterpart under check is off limits: an oracle may build on other,
            # separately verified equations (a simulation stepping a verified update rule).
            running = _in_oracle.get()
            if running is not None and running[0] == label:
                raise OracleCallsCounterpart(
                    f"the oracle {running[1]!r} called the counterpart of {label!r}; "
                    "an oracle must compute its answer independently"
                )
            return func(*args, **kwargs)

        counterpart.__folio_label__ = label
        file, line = _where(func)
        current_registry().add_counterpart(
            Counterpart(label, counterpart, file, line, equivalent))
        return counterpart

    return register


def check(
    label: str,
    *,
    oracle: str,
    kind: str | None = None,
    cases: Iterable | Callable[[Any], Iterable],
    rtol: float = 1e-9,
    atol: float = 0.0,
    compare: str = "close",
    n_se: float = 5.0,
    relation: bool = False,
    seed: int = 0,
) -> Callable[[Callable], Callable]:
    """Register a check of equation ``label`` against an independent oracle.

    ``oracle`` says in words what the answer is checked against; it is shown on the page.
    ``kind`` says what sort of oracle it is, one of ``KINDS``: finite-differences, autograd,
    simulation, library, special-case, definition (independent of the counterpart's formula), or
    property,
    reimplementation (they cannot catch an error in the equation itself).
    ``cases`` is a list of inputs, or a function of a seeded ``numpy.random.Generator`` that
    returns one; an input is a ``Case``, a tuple of positional arguments, or a single argument.
    The decorated function is the oracle: called with a case's arguments it returns the expected
    value (or an ``Estimate`` with a standard error). With ``relation=True`` it instead receives
    the counterpart first and returns ``(got, want)``: for properties such as a convergence
    rate, where the oracle is a theorem about the counterpart rather than a second implementation.
    """
    if compare not in COMPARISONS:
        raise RegistrationError(f"compare must be one of {COMPARISONS}, got {compare!r}")
    if not oracle.strip():
        raise RegistrationError(f"check of {label!r}: say what the oracle is (oracle='...')")

    def register(func: Callable) -> Callable:
        file, line = _where(func)
        if kind not in KINDS:
            got = "no kind" if kind is None else f"kind={kind!r}"
            raise RegistrationError(
                f"{file}:{line}: the check {func.__name__} of {label!r} has {got}: say what "
                "kind of oracle it is with kind=, one of " + ", ".join(KINDS))
        current_registry().add_check(
            Check(label, func.__name__, oracle, kind, func, cases, rtol, atol, compare, n_se,
                  relation, seed, file, line)
        )
        return func

    return register
