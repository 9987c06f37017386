"""Same inputs, same bytes: two clean builds of the fixture blog give identical sites.

The build report page (/report/) carries the build's own measurements (seconds, memory) and is
the one place allowed to differ.
"""

import filecmp
from pathlib import Path

from folio.pipeline import BuildOptions, build
from tests.conftest import make_project


def differing(a: Path, b: Path) -> list[str]:
    out = []

    def walk(cmp: filecmp.dircmp, rel: str) -> None:
        out.extend(f"{rel}{n} (only in one build)" for n in cmp.left_only + cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        out.extend(f"{rel}{n}" for n in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{rel}{name}/")

    walk(filecmp.dircmp(a, b), "")
    return out


def test_two_clean_builds_are_byte_identical(tmp_path):
    sites = []
    for name in ("first", "second"):
        proj = make_project(tmp_path / name / "blog")
        assert build(proj, BuildOptions(jobs=2)).ok
        sites.append(proj.site_dir)
    diffs = [d for d in differing(*sites) if not d.startswith("report/")]
    assert diffs == []
    # The figures are deterministic SVG: no date, a fixed hash salt.
    svg = (sites[0] / "figures" / "alpha" / "squares-light.svg").read_text()
    assert "<dc:date>" not in svg
