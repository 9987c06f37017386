"""What an author and a reader are told about a check: errors in the units that mean something,
the line in the post's own code, the case by its arguments, and the label they probably meant."""

from pathlib import Path

import numpy as np

from folio.post import Equation
from folio.render.marks import check_mark
from folio.verify.api import Estimate, check, equation
from folio.verify.findings import equation_findings
from folio.verify.runner import verify
from tests.conftest import registry


def test_a_zero_expected_value_is_reported_as_an_absolute_error():
    with registry() as reg:
        @equation("eq-zero")
        def residual(x):
            return 1e-13 * x

        @check("eq-zero", kind="special-case", oracle="0 for every x", atol=1e-12,
               cases=[1.0, 2.0])
        def zero(x):
            return 0.0

    (r,) = verify(reg, ["eq-zero"])
    assert r.verified and r.checks[0].absolute
    mark = check_mark(Equation("eq-zero", "0", 1, 1), r.to_dict(), Path("."))
    assert "max abs. error 2.0e-13" in mark and "rel. error" not in mark


def test_a_monte_carlo_failure_is_said_in_standard_errors_only():
    with registry() as reg:
        @equation("eq-mean")
        def mean(n):
            return 0.7

        @check("eq-mean", kind="simulation", oracle="Monte Carlo", cases=[10_000])
        def mc(n):
            x = np.random.default_rng(1).random(n)
            return Estimate(x.mean(), x.std(ddof=1) / np.sqrt(n))

    (r,) = verify(reg, ["eq-mean"])
    msg = r.checks[0].message
    assert "standard errors from the oracle, beyond 5 standard errors" in msg
    assert "rel" not in msg and "abs" not in msg


def test_an_oracle_raising_in_a_library_points_at_the_posts_line():
    import scipy.linalg

    with registry() as reg:
        @equation("eq-inv")
        def inverse(A):
            return np.linalg.inv(A)

        @check("eq-inv", kind="library", oracle="scipy.linalg.inv", cases=[np.zeros((2, 2))])
        def by_scipy(A):
            return scipy.linalg.inv(A)  # raises: singular

    (r,) = verify(reg, ["eq-inv"])
    msg = r.checks[0].message
    assert "raised" in msg and "test_check_messages.py:" in msg and "scipy" not in msg.split("(at")[-1]


def test_an_unnamed_case_is_named_by_its_arguments():
    with registry() as reg:
        @equation("eq-double")
        def double(x, k):
            return 3 * x

        @check("eq-double", kind="definition", oracle="x + x", cases=[(np.ones((2, 3)), 0.5)])
        def by_sum(x, k):
            return x + x

    (r,) = verify(reg, ["eq-double"])
    assert r.checks[0].message.startswith("case 0 (2x3 ndarray, 0.5): max abs error 1")


def test_label_typos_suggest_the_label_meant():
    with registry() as reg:
        @equation("eq-gradient-trce")  # typo of the displayed eq-gradient-trace
        def grad(A):
            return A.T

        @check("eq-norm-bonds", kind="library", oracle="numpy", cases=[1.0])  # typo
        def norm(x):
            return x

        @equation("eq-norm-bounds")
        def bound(x):
            return x

    from folio.verify.equations import PostEquations

    labels = ["eq-gradient-trace", "eq-norm-bounds"]
    pe = PostEquations("p", tuple(verify(reg, labels)), ("eq-gradient-trce",), ("eq-norm-bonds",))
    msgs = [f.message for f in equation_findings("p", pe.to_dict())]
    assert any("eq-gradient-trace is not verified: no counterpart" in m
               and "did you mean 'eq-gradient-trce'?" in m for m in msgs), msgs
    assert any("eq-norm-bounds is not verified: no check" in m
               and "did you mean 'eq-norm-bonds'?" in m for m in msgs), msgs
    assert any("a check is registered for eq-norm-bonds" in m
               and "did you mean 'eq-norm-bounds'?" in m for m in msgs), msgs


def test_the_public_page_shows_no_author_instructions(monkeypatch):
    missing = {"label": "eq-x", "checks": [], "status": "failed", "verified": False,
               "problem": "no check: add @check('eq-x', oracle=..., cases=...)"}
    eq = Equation("eq-x", "x", 1, 1)
    monkeypatch.delenv("FOLIO_PREVIEW", raising=False)
    public = check_mark(eq, missing, Path("."))
    assert "Not yet verified." in public and "@check" not in public
    monkeypatch.setenv("FOLIO_PREVIEW", "1")
    assert "add @check(&#x27;eq-x&#x27;" in check_mark(eq, missing, Path("."))


def test_a_failing_check_has_its_own_look():
    failing = {"label": "eq-x", "status": "failed", "verified": False, "checks": [
        {"name": "c", "oracle": "numpy", "kind": "library", "cases": 1, "passed": False,
         "message": "case 0 (1): max abs error 1 exceeds rtol 1e-09", "max_rel_error": 1.0,
         "max_abs_error": 1.0, "max_se": None, "tolerance": "rtol 1e-09"}]}
    passing = {**failing, "status": "verified", "verified": True,
               "checks": [{**failing["checks"][0], "passed": True, "independent": True}]}
    eq = Equation("eq-x", "x", 1, 1)
    bad, good = check_mark(eq, failing, Path(".")), check_mark(eq, passing, Path("."))
    assert 'class="folio-check folio-check--fail failure"' in bad
    assert "✗ Check failing: the code disagrees with numpy" in bad
    assert "exceeds rtol" not in bad.split("</summary>")[0]
    assert 'class="folio-check folio-check--pass success"' in good


WRONG_POST = '''---
title: Wrong
date: "2026-01-06"
authors: [folio]
categories: [Testing]
description: An identity that is not one.
---

Squaring a sum.

<!-- more -->

```{math}
:label: eq-square
(a + b)^2 = a^2 + b^2
```
'''

WRONG_MODULE = '''
from folio import check, equation


@equation("eq-square")
def square_of_sum(a, b):
    return a ** 2 + b ** 2


@check("eq-square", kind="definition", oracle="(a + b) * (a + b)", cases=[(1.0, 2.0)])
def expand(a, b):
    return (a + b) * (a + b)
'''


def test_a_failing_check_fails_the_build_with_label_case_and_error(project):
    import subprocess
    import sys

    post = project.posts_dir / "wrong"
    post.mkdir()
    (post / "index.md").write_text(WRONG_POST)
    (post / "wrong_eqs.py").write_text(WRONG_MODULE)
    out = subprocess.run([sys.executable, "-m", "folio", "build", "--no-site", "--keep-going"],
                         cwd=project.root, capture_output=True, text=True)
    assert out.returncode == 1
    assert ("folio: error: posts/wrong/index.md: equation eq-square is not verified: "
            "case 0 (1, 2): max abs error 4, rel 0.444 exceeds rtol 1e-09") in out.stderr
    # The page is still rendered, for the author to see (folio serve shows it).
    assert "✗ Check failing" in (project.generated_posts / "wrong.md").read_text()


def test_folio_equations_names_a_module_that_does_not_import(project):
    import subprocess
    import sys

    module = project.posts_dir / "alpha" / "alpha_eqs.py"
    module.write_text(module.read_text() + "\nimport nonexistent_module_xyz\n")
    out = subprocess.run([sys.executable, "-m", "folio", "equations", "--no-mutants"],
                         cwd=project.root, capture_output=True, text=True)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert (f"{module}:16: the post's modules could not be imported for the equation checks: "
            "ModuleNotFoundError: No module named 'nonexistent_module_xyz'") in out.stderr
