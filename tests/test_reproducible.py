"""Same inputs, same bytes: two clean builds of the fixture blog give identical sites.

The build report page (/report/) carries the build's own measurements (seconds, memory) and is
the one place allowed to differ.
"""

import filecmp
import shutil
from pathlib import Path

from folio.pipeline import BuildOptions, build
from folio.config import Project
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


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


# Incremental steps, each applied to the warm project and to a fresh copy built clean, with the
# pages the site build patches in place (see folio.site.patch) rather than rebuilding.
STEPS = {
    # a prose edit of one post's body: that page, its search entries and feed item are patched
    "body": (1, lambda root: _replace(root / "posts" / "alpha" / "index.md", "<!-- more -->",
                                      "<!-- more -->\n\nA sentence added after the first build.")),
    # a hand-written page's body: patched the same way
    "page": (1, lambda root: _replace(root / "site_src" / "about.md", "\n\n",
                                      "\n\nA sentence added to a hand-written page.\n\n")),
    # an excerpt edit: the blog index, the front page and the feed show it
    "excerpt": (0, lambda root: _replace(root / "posts" / "alpha" / "index.md",
                                         "Alpha introduces", "Alpha, in its excerpt, introduces")),
    # a title edit: listings, the series box and neighbours' links show it
    "title": (0, lambda root: _replace(root / "posts" / "beta" / "index.md", "title: Beta",
                                       "title: Beta, retitled")),
    # a theme override edit: every page's template changed
    "override": (0, lambda root: _replace(root / "site_src" / "overrides" / "main.html",
                                          "{% extends", "{# edited #}\n{% extends")),
    # a post deleted: its page, notebook, zip and card leave the site, nothing stale is kept
    "delete": (0, lambda root: shutil.rmtree(root / "posts" / "beta")),
}


def test_every_incremental_step_leaves_the_site_a_clean_build_would(tmp_path):
    """The build keeps memos between builds (each post's rendered files; in the site build
    each page's Markdown conversion, MathML, search entries, read time, feed item, compiled
    templates, theme output and static copies) and keeps build/site, writing only what
    changed. After each step below, the warm project's site equals, byte for byte, a clean
    build of a copy made at that step with none of them."""
    warm = make_project(tmp_path / "warm" / "blog")
    assert build(warm, BuildOptions(jobs=2)).ok
    memo = warm.build_dir / "site-memo"
    for name in ("render", "mathml", "search", "readtime", "feed", "pages", "copies"):
        assert (memo / f"{name}.marshal").is_file(), name
    for i, (name, (patched, step)) in enumerate(STEPS.items()):
        step(warm.root)
        rebuilt = build(warm, BuildOptions(jobs=2))
        assert rebuilt.ok, (name, rebuilt.problems)
        assert rebuilt.site_patched == patched, name
        clean_root = tmp_path / f"clean-{i}" / "blog"
        shutil.copytree(warm.root, clean_root, ignore=shutil.ignore_patterns(
            "build", "posts", "notebooks", "series", "downloads", "cards", "report.md"))
        shutil.copytree(warm.posts_dir, clean_root / "posts")
        clean = Project(clean_root)
        assert build(clean, BuildOptions(jobs=2)).ok, name
        diffs = [d for d in differing(warm.site_dir, clean.site_dir) if not d.startswith("report/")]
        assert diffs == [], (name, diffs)
    assert "A sentence added after the first build." in (
        warm.site_dir / "search" / "search_index.json").read_text()
    assert not (warm.site_dir / "blog" / "2026" / "01" / "20" / "beta").exists()


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
