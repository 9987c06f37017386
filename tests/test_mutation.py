"""Checks of the checker: mutation analysis catches checks that cannot fail, and the shape test
catches oracles that re-implement the counterpart."""

import json
import subprocess
import sys

import numpy as np
import pytest

from folio.verify import mutation
from folio.verify.api import RegistrationError, check, equation
from folio.verify.mutants import mutants
from folio.verify.mutation import analyse_label
from folio.verify.runner import verify
from tests.conftest import registry


def _sample(x, y, A):
    s = np.sum(x * y, axis=0) - 0.5 * x.mean(1)
    return np.linalg.solve(A, y) @ np.linalg.inv(A).T, -s


def test_every_operator_makes_its_mutant():
    diffs = {m.id: m.diff for m in mutants(_sample)}
    expected = {
        "negate-result#1": "return (-(np.linalg.solve(A, y) @ np.linalg.inv(A).T), --s)",
        "scale-result#1": "return (2 * (np.linalg.solve(A, y) @ np.linalg.inv(A).T), 2 * -s)",
        "add-sub#1": "np.sum(x * y, axis=0) + 0.5 * x.mean(1)",
        "drop-minus#1": "→  s",
        "mul-div#1": "x / y",
        "drop-transpose#1": "→  np.linalg.inv(A)",
        "drop-inverse#1": "np.linalg.solve(A, y)  →  y",
        "drop-inverse#2": "np.linalg.inv(A)  →  A",
        "swap-args#1": "np.linalg.inv(A).T @ np.linalg.solve(A, y)",
        "swap-args#2": "np.linalg.solve(y, A)",
        "constant#1": "0.5  →  1.0",
        "reduction-axis#1": "axis=1",
        "reduction-axis#2": "x.mean(0)",
    }
    for mid, text in expected.items():
        assert text in diffs[mid], (mid, diffs.get(mid))
    # The axis literals are mutated as axes, not as numbers.
    assert not any("0  →  1" in d and "axis" not in d for d in diffs.values())


def test_a_strong_check_catches_every_mutant():
    with registry() as reg:
        @equation("eq-grad")
        def grad(A, X):
            return A.T

        @check("eq-grad", kind="finite-differences", oracle="central differences", rtol=1e-6,
               cases=lambda rng: [(rng.standard_normal((3, 3)), rng.standard_normal((3, 3)))])
        def fd(A, X, h=1e-6):
            G = np.zeros_like(X)
            for i in np.ndindex(X.shape):
                E = np.zeros_like(X)
                E[i] = h
                G[i] = (np.trace(A @ (X + E)) - np.trace(A @ (X - E))) / (2 * h)
            return G

    m = analyse_label(reg, "eq-grad")
    assert m.total == 3 and m.caught == 3 and not m.survivors and not m.cannot_fail


def test_a_property_that_holds_for_any_scale_lets_a_factor_through():
    with registry() as reg:
        @equation("eq-remainder")
        def remainder(t):
            return t ** 2

        @check("eq-remainder", kind="property", oracle="log-log slope is 2", relation=True,
               rtol=0.01, cases=[()])
        def slope(counterpart):
            t = np.array([1e-3, 1e-2])
            return np.diff(np.log(counterpart(t)))[0] / np.diff(np.log(t))[0], 2.0

    m = analyse_label(reg, "eq-remainder")
    assert [s["id"] for s in m.survivors] == ["scale-result#1"]
    assert "return 2 * t ** 2" in m.survivors[0]["diff"]
    (r,) = verify(reg, ["eq-remainder"])
    assert r.status == "consistent"  # a property alone does not verify


def test_a_check_that_catches_nothing_is_named():
    with registry() as reg:
        @equation("eq-double")
        def double(x):
            return 2.0 * x

        @check("eq-double", kind="definition", oracle="x + x", cases=[1.0, 3.0])
        def by_sum(x):
            return x + x

        @check("eq-double", kind="property", oracle="finite", relation=True, cases=[1.0])
        def finite(counterpart, x):
            return float(np.isfinite(counterpart(x))), 1.0

    m = analyse_label(reg, "eq-double")
    assert m.caught == m.total > 0
    assert m.cannot_fail == ["finite"]


def test_an_oracle_with_the_counterparts_shape_is_flagged_whatever_its_kind():
    with registry() as reg:
        @equation("eq-fro")
        def frobenius(X):
            return np.trace(X.T @ X)

        @check("eq-fro", kind="library", oracle="numpy again", cases=[np.eye(3)])
        def same(Y):
            return np.trace(Y.T @ Y)

        @equation("eq-fro2")
        def frobenius2(X):
            return np.trace(X.T @ X)

        @check("eq-fro2", kind="library", oracle="numpy.linalg.norm", cases=[np.eye(3)])
        def by_norm(X):
            return np.linalg.norm(X, "fro") ** 2

    weak, strong = verify(reg, ["eq-fro", "eq-fro2"])
    assert "does what the counterpart does under other names" in weak.checks[0].same_shape
    assert weak.status == "consistent" and not weak.verified
    assert strong.status == "verified" and not strong.checks[0].same_shape


def test_a_declared_equivalent_is_shown_with_its_reason():
    with registry() as reg:
        @equation("eq-fro", equivalent={"swap-args#1": "tr(X^T X) = tr(X X^T)"})
        def frobenius(X):
            return np.trace(X.T @ X)

        @check("eq-fro", kind="library", oracle="numpy.linalg.norm",
               cases=lambda rng: [rng.standard_normal((3, 4))])
        def by_norm(X):
            return np.linalg.norm(X, "fro") ** 2

    m = analyse_label(reg, "eq-fro")
    assert not m.survivors
    assert [(e["id"], e["reason"]) for e in m.equivalent] == [("swap-args#1",
                                                                "tr(X^T X) = tr(X X^T)")]
    assert m.equivalent[0]["diff"].endswith("X.T @ X  →  X @ X.T")


def test_a_declaration_without_a_reason_is_an_error():
    with pytest.raises(RegistrationError, match="'negate-result#1' needs a reason"):
        equation("eq-x", equivalent={"negate-result#1": " "})


def test_a_check_without_a_kind_names_its_line():
    with registry(), pytest.raises(RegistrationError) as err:
        @check("eq-x", oracle="something", cases=[1])
        def oracle(x):
            return x
    assert "test_mutation.py:" in str(err.value) and "kind=" in str(err.value)
    assert "finite-differences" in str(err.value)


def test_a_runaway_mutant_is_stopped_and_counts_as_caught(monkeypatch):
    monkeypatch.setattr(mutation, "MIN_SECONDS", 0.5)
    with registry() as reg:
        @equation("eq-count")
        def count(n):
            k = 0
            while k < n:
                k += 1
            return k

        @check("eq-count", kind="definition", oracle="len(range(n))", cases=[0, 5, 50])
        def by_len(n):
            return len(range(n))

    m = analyse_label(reg, "eq-count")
    assert not m.survivors and m.caught == m.total


WEAK_MODULE = '''
import numpy as np
from folio import check, equation


@equation("eq-weak")
def remainder(t):
    return t ** 2


@check("eq-weak", kind="property", oracle="log-log slope is 2", relation=True, rtol=0.01,
       cases=[()])
def slope(counterpart):
    t = np.array([1e-3, 1e-2])
    return np.diff(np.log(counterpart(t)))[0] / np.diff(np.log(t))[0], 2.0


@check("eq-weak", kind="special-case", oracle="0 at t = 0", atol=1e-12, cases=[0.0])
def at_zero(t):
    return 0.0
'''

WEAK_POST = '''---
title: Weak
date: "2026-01-05"
authors: [folio]
categories: [Testing]
description: A check that cannot see a factor.
---

A remainder that shrinks like the square of the step.

<!-- more -->

```{math}
:label: eq-weak
r(t) = t^2
```

Some prose.
'''


def _folio(root, *args):
    return subprocess.run([sys.executable, "-m", "folio", *args], cwd=root, capture_output=True,
                          text=True)


def test_build_reports_survivors_fails_strict_and_caches(project):
    post = project.posts_dir / "weak"
    post.mkdir()
    (post / "index.md").write_text(WEAK_POST)
    (post / "weak_eqs.py").write_text(WEAK_MODULE)
    out = _folio(project.root, "build", "--no-site", "--strict", "--only", "weak")
    assert out.returncode == 1
    assert "mutation analysis of 1 post(s): weak" in out.stderr
    assert ("equation eq-weak: its checks pass 1 of 3 altered versions of the counterpart: "
            "scale-result#1 (line 8: return t ** 2  →  return 2 * t ** 2)") in out.stderr
    assert "--mutants` lists them" in out.stderr
    # A no-op and a prose edit run no mutant; the survivor is still reported from the cache.
    for edit in (None, "Some prose.", ):
        if edit:
            (post / "index.md").write_text(WEAK_POST.replace(edit, "Other prose."))
        again = _folio(project.root, "build", "--no-site", "--only", "weak")
        assert "mutation analysis" not in again.stderr, again.stderr
        assert "scale-result#1" in again.stderr
    page = (project.generated_posts / "weak.md").read_text()
    assert "its checks caught 2 of 3 altered versions of the code (1 passed unnoticed)" in page
    assert "passed unnoticed: <code>line 8: return t ** 2  →  return 2 * t ** 2</code>" in page
    # Declaring it equivalent (wrongly, but with a reason) makes it shown, not a survivor.
    module = post / "weak_eqs.py"
    module.write_text(module.read_text().replace(
        '@equation("eq-weak")', '@equation("eq-weak", equivalent={"scale-result#1": "a test"})'))
    fixed = _folio(project.root, "build", "--no-site", "--strict", "--only", "weak")
    assert "mutation analysis of 1 post(s): weak" in fixed.stderr
    assert "altered versions of the counterpart" not in fixed.stderr
    assert fixed.returncode == 0, fixed.stderr
    # The check that cannot see what the counterpart could get wrong is still named.
    assert "the check at_zero caught none of the 3 altered versions" in fixed.stderr


def test_folio_equations_shows_mutants(project):
    post = project.posts_dir / "weak"
    post.mkdir()
    (post / "index.md").write_text(WEAK_POST)
    (post / "weak_eqs.py").write_text(WEAK_MODULE)
    out = _folio(project.root, "equations", "--post", "weak")
    assert out.returncode == 1
    assert "2/3" in out.stdout and "survives scale-result#1" in out.stdout
    data = json.loads(_folio(project.root, "equations", "--post", "weak", "--json").stdout)
    m = data[0]["mutants"]
    assert (m["total"], m["caught"], m["equivalent"]) == (3, 2, [])
    assert m["survivors"] == [{"id": "scale-result#1",
                               "diff": "line 8: return t ** 2  →  return 2 * t ** 2"}]
