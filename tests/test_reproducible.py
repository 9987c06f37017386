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


def test_memoized_rebuild_after_an_edit_equals_a_clean_build(tmp_path):
    """The build keeps memos between builds: each post's rendered files, and in the site build
    each page's Markdown conversion, MathML, search entries, read time, feed item and compiled
    templates. After a prose edit (in the excerpt the blog index shows, and after it), a
    rebuild that uses them gives the same bytes as a clean build of the edited blog that has
    none."""
    def edit(proj):
        index = proj.posts_dir / "alpha" / "index.md"
        index.write_text(index.read_text().replace(
            "<!-- more -->", "<!-- more -->\n\nA sentence added after the first build.", 1)
            .replace("Alpha introduces", "Alpha, in its excerpt, introduces", 1))

    warm = make_project(tmp_path / "warm" / "blog")
    assert build(warm, BuildOptions(jobs=2)).ok
    memo = warm.build_dir / "site-memo"
    for name in ("render", "mathml", "search", "readtime", "feed"):
        assert (memo / f"{name}.marshal").is_file(), name
    edit(warm)
    rebuilt = build(warm, BuildOptions(jobs=2))
    assert rebuilt.ok and rebuilt.rendered == ["alpha"]
    assert "A sentence added after the first build." in (
        warm.site_dir / "search" / "search_index.json").read_text()

    clean = make_project(tmp_path / "clean" / "blog")
    edit(clean)
    assert build(clean, BuildOptions(jobs=2)).ok
    assert not [d for d in differing(warm.site_dir, clean.site_dir) if not d.startswith("report/")]


def test_companion_notebook_does_not_depend_on_how_print_output_was_chunked(project):
    """A kernel sends print() output in chunks split wherever its timing split them; two runs of
    the same code can differ. The companion notebook joins them, so its bytes do not."""
    import json

    assert build(project, BuildOptions(jobs=2, site=False)).ok
    companion = project.generated_notebooks / "alpha.ipynb"
    first = companion.read_bytes()
    (entry,) = [p for p in project.cache_dir.glob("??/*/notebook.ipynb")
                if "computed" in p.read_text()]
    nb = json.loads(entry.read_text())
    for cell in nb["cells"]:
        outs = cell.get("outputs", [])
        for i, o in enumerate(outs):
            text = "".join(o.get("text", ""))
            if o.get("output_type") == "stream" and "computed" in text:
                outs[i:i + 1] = [{**o, "text": text[:4]}, {**o, "text": text[4:]}]
                break
    entry.write_text(json.dumps(nb))
    r = build(project, BuildOptions(jobs=2, site=False))
    assert {s: x.status for s, x in r.results.items()} == {"alpha": "cached", "beta": "cached"}
    assert companion.read_bytes() == first
