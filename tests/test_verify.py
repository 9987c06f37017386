"""The checker can fail: mutated counterparts, cheating oracles and missing pieces are caught."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from folio.verify.equations import verify_post
from folio.errors import PostError
from folio.parse import read_post

POSTS = Path(__file__).parent / "fixtures" / "posts"


def result(slug):
    (r,) = verify_post(read_post(POSTS / slug / "index.md")).results
    return r


def test_correct_counterpart_passes():
    r = result("correct")
    assert r.verified
    (c,) = r.checks
    assert c.cases == 3 and c.max_rel_error < 1e-8


MUTATIONS = {"sign-flip": "-A.T", "factor-two": "2 * A.T", "transposed": "A"}


def mutant(tmp_path, mutation: str) -> Path:
    """The 'correct' fixture with its counterpart's body replaced: the checker must notice."""
    dest = tmp_path / f"mutation-{mutation}"
    shutil.copytree(POSTS / "correct", dest)
    module = dest / "correct_eqs.py"
    module.write_text(module.read_text().replace("return A.T", f"return {MUTATIONS[mutation]}"))
    return dest


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_mutations_fail_their_check(tmp_path, mutation):
    (r,) = verify_post(read_post(mutant(tmp_path, mutation) / "index.md")).results
    assert not r.verified
    (c,) = r.checks
    assert not c.passed
    assert "exceeds rtol 1e-06" in c.message
    assert c.max_rel_error > 0.1


def test_oracle_calling_the_counterpart_is_rejected():
    r = result("oracle-calls-counterpart")
    assert not r.verified
    assert "the oracle 'same' called the counterpart of 'eq-grad-trace'" in r.checks[0].message
    # The message points at the post's own code, not folio's internals.
    assert "cheating_eqs.py" in r.checks[0].message


def test_missing_counterpart_fails_by_name():
    r = result("missing-counterpart")
    assert not r.verified
    assert "no counterpart" in r.problem and "@equation('eq-grad-trace')" in r.problem


def test_missing_check_fails_by_name():
    r = result("missing-check")
    assert not r.verified
    assert "no check" in r.problem and "@check('eq-grad-trace'" in r.problem


def test_unlabeled_equation_is_reported_with_its_line():
    path = POSTS / "unlabeled-equation" / "index.md"
    with pytest.raises(PostError) as err:
        read_post(path)
    assert f"{path}:15: display equation without a label" in err.value.render()


def test_relation_and_estimate_checks(tmp_path):
    """Monte Carlo oracles pass within n_se standard errors and fail outside them."""
    import numpy as np

    from folio.verify.api import Registry, check, equation, use_registry, Estimate, _registry
    from folio.verify.runner import verify

    reg = Registry()
    token = use_registry(reg)
    try:
        @equation("eq-mean")
        def mean(n):
            return 0.5

        @check("eq-mean", kind="simulation", oracle="Monte Carlo, 10 000 uniforms", cases=[10_000], n_se=5)
        def mc(n):
            x = np.random.default_rng(1).random(n)
            return Estimate(x.mean(), x.std(ddof=1) / np.sqrt(n))

        @equation("eq-biased")
        def biased(n):
            return 0.6

        @check("eq-biased", kind="simulation", oracle="Monte Carlo, 10 000 uniforms", cases=[10_000], n_se=5)
        def mc2(n):
            x = np.random.default_rng(1).random(n)
            return Estimate(x.mean(), x.std(ddof=1) / np.sqrt(n))

        @equation("eq-slope")
        def remainder(t):
            return t**2

        @check("eq-slope", kind="property", oracle="log-log slope is 2", relation=True, rtol=0.05, cases=[()])
        def slope(counterpart):
            t = np.array([1e-3, 1e-2])
            s = np.diff(np.log(counterpart(t))) / np.diff(np.log(t))
            return s[0], 2.0
    finally:
        _registry.reset(token)
    good, bad, rel = verify(reg, ["eq-mean", "eq-biased", "eq-slope"])
    assert good.verified and good.checks[0].max_se < 5
    assert not bad.verified and bad.checks[0].max_se > 5
    # A property alone shows the counterpart is consistent with it, not that it is right.
    assert rel.status == "consistent" and not rel.verified and rel.checks[0].relation


def test_folio_equations_command_prints_table_and_json(project, tmp_path):
    shutil.copytree(POSTS / "correct", project.posts_dir / "correct")
    shutil.copytree(mutant(tmp_path, "sign-flip"), project.posts_dir / "mutation-sign-flip")
    cmd = [sys.executable, "-m", "folio", "equations"]
    out = subprocess.run(cmd, cwd=project.root, capture_output=True, text=True)
    assert out.returncode == 1, out.stderr  # the sign flip fails
    assert "mutation-sign-flip" in out.stdout and "FAIL" in out.stdout
    assert "2 of 3 equations verified" in out.stdout
    data = json.loads(subprocess.run(cmd + ["--json", "--post", "correct"], cwd=project.root,
                                     capture_output=True, text=True).stdout)
    assert data[0]["label"] == "eq-grad-trace" and data[0]["passed"]
    assert data[0]["oracle"] == "central finite differences"
