"""What the kernel's closing checks are given is in the execution key: the post's displayed
equation labels and its slug. Without them a prose edit that adds an equation kept the old
checks (the page said the new one was never checked), and two posts with the same code shared
one entry recording the other's checks."""

import shutil

from folio.pipeline import BuildOptions, build
from tests.conftest import FIXTURES, make_project

NO_SITE = BuildOptions(jobs=2, site=False, keep_going=True)

NEW_EQUATION = """

```{math}
:label: eq-alpha-cubes
\\sum_{k=1}^{n} k^3 = \\left(\\frac{n(n+1)}{2}\\right)^2
```
"""


def test_adding_a_displayed_equation_runs_its_checks(project):
    assert build(project, NO_SITE).ok
    index = project.posts_dir / "alpha" / "index.md"
    index.write_text(index.read_text().replace("<!-- more -->", "<!-- more -->" + NEW_EQUATION))
    r = build(project, NO_SITE)
    assert r.results["alpha"].status == "executed"
    labels = [e["label"] for e in r.results["alpha"].checks["equations"]]
    assert sorted(labels) == ["eq-alpha-cubes", "eq-alpha-squares"]
    assert any("equation eq-alpha-cubes is not verified" in w for w in r.warnings)


def test_posts_with_the_same_code_keep_their_own_entries(tmp_path):
    proj = make_project(tmp_path / "blog", posts=[FIXTURES / "blog" / "posts" / "beta"])
    twin = proj.posts_dir / "beta-twin"
    shutil.copytree(proj.posts_dir / "beta", twin)
    index = twin / "index.md"
    index.write_text(index.read_text().replace("title: Beta", "title: Beta twin"))
    cold = build(proj, NO_SITE)
    assert cold.ok and cold.results["beta"].key != cold.results["beta-twin"].key
    again = build(proj, NO_SITE)
    assert {r.status for r in again.results.values()} == {"cached"}
    assert again.results["beta-twin"].checks["slug"] == "beta-twin"
    assert again.rendered == []
