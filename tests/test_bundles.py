"""Run it yourself: each post's zip, unpacked into an empty folder, runs in a fresh virtual
environment holding only its requirements.txt (no folio, no repository on the path), and its
outputs match the page's: printed text, glued numbers and figures.

Wheels come from build/wheelhouse, filled once from the package registry with `pip download`, so
later runs install offline and fast. `make test` runs the fixture blog's posts and one real post;
FOLIO_BUNDLES=all runs every real post (torch included: minutes, and a large download once).
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from folio.parse import read_post
from folio.render.markdown import format_glue
from folio.runtime.mimetypes import FIGURE, GLUE
from folio.pipeline import BuildOptions, build
from tests.test_readers import READERS, readers_project

REPO = Path(__file__).resolve().parent.parent
WHEELHOUSE = REPO / "build" / "wheelhouse"
SITE = REPO / "build" / "site"
QUICK_REAL = "how-long-is-a-matrix"  # numpy and matplotlib only


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def _clean_env() -> dict:
    """No PYTHONPATH (it points at this checkout's folio), no virtualenv of ours."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


_VENVS: dict[str, Path] = {}  # requirements.txt text -> its venv's python, for this session


def make_venv(where: Path, requirements: Path) -> Path:
    """A fresh venv with exactly ``requirements`` installed, from the local wheel cache (filled
    from the registry for whatever it lacks). Zips with the same requirements.txt share one."""
    text = requirements.read_text(encoding="utf-8")
    if text in _VENVS:
        return _VENVS[text]
    env = _clean_env()
    r = _run([sys.executable, "-m", "venv", str(where)], env=env)
    assert r.returncode == 0, r.stderr
    py = where / "bin" / "python"
    install = [str(py), "-m", "pip", "install", "-q", "--no-compile", "--no-index", "--find-links", str(WHEELHOUSE),
               "-r", str(requirements)]
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    r = _run(install, env=env)
    if r.returncode != 0:
        d = _run([sys.executable, "-m", "pip", "download", "-q", "-d", str(WHEELHOUSE),
                  "-r", str(requirements)], env=env)
        assert d.returncode == 0, d.stderr[-3000:]
        r = _run(install, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    _VENVS[text] = py
    return py


def _texts(page_html: str) -> list[str]:
    """The text of every code block on the page."""
    blocks = re.findall(r"<pre[^>]*>(.*?)</pre>", page_html, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", b)).strip() for b in blocks]


def _streams(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout").strip()


def run_bundle(zip_path: Path, slug: str, tmp: Path) -> dict:
    """Unpack into an empty folder, install its requirements into a fresh venv, execute the
    notebook there; the executed notebook as JSON."""
    out = tmp / "unpacked"
    out.mkdir()
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(out)
    folder = out / slug
    assert sorted(p.name for p in out.iterdir()) == [slug]
    py = make_venv(tmp / "venv", folder / "requirements.txt")
    venv = py.parent.parent
    # The zip's own folio is what the notebook imports; this checkout's is nowhere on the path.
    probe = _run([str(py), "-c", "import folio, sys; print(folio.__file__)"], cwd=folder, env=_clean_env())
    assert probe.stdout.strip() == str(folder / "folio" / "__init__.py"), probe
    assert _run([str(py), "-c", "import mkdocs"], env=_clean_env()).returncode != 0
    # The kernel the notebook runs in is this venv's own (ipykernel's built-in spec).
    specs = json.loads(_run([str(py), "-m", "jupyter", "kernelspec", "list", "--json"],
                            env=_clean_env()).stdout)["kernelspecs"]
    assert specs["python3"]["resource_dir"].startswith(str(venv)), specs["python3"]
    r = _run([str(venv / "bin" / "jupyter-execute"), "--output=executed", f"{slug}.ipynb"],
             cwd=folder, env=_clean_env(), timeout=900)
    assert r.returncode == 0, r.stderr[-4000:]
    return nbformat.reads((folder / "executed.ipynb").read_text(encoding="utf-8"), as_version=4)


def compare_with_page(nb: dict, post_md: Path, page_html: str, site: Path, slug: str) -> int:
    """Printed output, glued numbers and figures of the executed notebook against the page;
    how many were compared."""
    texts = _texts(page_html)
    prose = html.unescape(re.sub(r"<[^>]+>", "", page_html))
    glue_role = re.compile(r"\{glue\}`(?P<name>[A-Za-z_]\w*)(?::(?P<spec>[^`]*))?`")
    specs = {m["name"]: m["spec"] for m in glue_role.finditer(post_md.read_text(encoding="utf-8"))}
    compared = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or cell["source"].startswith("%%gpu"):
            continue
        printed = _streams(cell)
        if printed:
            assert printed in texts, f"printed output not on the page:\n{printed[:500]}"
            compared += 1
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if GLUE in data and data[GLUE]["name"] in specs:
                g = data[GLUE]
                shown = format_glue(g["value"], specs[g["name"]])
                assert shown in prose, f"glued {g['name']} = {shown} is not in the page's prose"
                compared += 1
            if FIGURE in data:
                fig = data[FIGURE]
                on_site = site / "figures" / slug / f"{fig['name']}-light.svg"
                assert fig["light"] == on_site.read_text(encoding="utf-8"), f"figure {fig['name']} differs"
                compared += 1
    return compared


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    proj = readers_project(tmp_path_factory.mktemp("bundles") / "blog")
    result = build(proj, BuildOptions(jobs=2))
    assert result.ok, result.problems
    return proj


@pytest.mark.parametrize("slug", ["alpha", "beta", "gamma"])
def test_fixture_zip_runs_in_a_fresh_venv_and_matches_the_page(slug, fixture_site, tmp_path):
    proj = fixture_site
    nb = run_bundle(proj.site_dir / "downloads" / f"{slug}.zip", slug, tmp_path)
    page = (proj.site_dir / "blog" / slug / "index.html").read_text(encoding="utf-8")
    n = compare_with_page(nb, proj.posts_dir / slug / "index.md", page, proj.site_dir, slug)
    # alpha: its print, its glued total and its figure; beta: the kernel's printed result;
    # gamma: its print and its glued number, and its GPU cell says it was skipped.
    assert n == {"alpha": 3, "beta": 1, "gamma": 2}[slug]
    gpu = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("%%gpu")]
    assert len(gpu) == (1 if slug == "gamma" else 0)
    for c in gpu:
        assert _streams(c).startswith("skipped: this cell needs a CUDA GPU")


def test_a_changed_output_would_be_caught(fixture_site, tmp_path):
    """The comparison is not vacuous: an executed notebook whose print differs fails it."""
    proj = fixture_site
    nb = nbformat.reads((proj.docs_dir / "notebooks" / "alpha.ipynb").read_text(encoding="utf-8"), as_version=4)
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                o["text"] = o["text"].replace("385", "386")
    page = (proj.site_dir / "blog" / "alpha" / "index.html").read_text(encoding="utf-8")
    with pytest.raises(AssertionError, match="printed output not on the page"):
        compare_with_page(nb, proj.posts_dir / "alpha" / "index.md", page, proj.site_dir, "alpha")


def _real_posts():
    slugs = sorted(p.parent.name for p in (REPO / "posts").glob("*/index.md"))
    if os.environ.get("FOLIO_BUNDLES") == "all":
        return slugs
    return [QUICK_REAL] if QUICK_REAL in slugs else slugs[:1]


@pytest.mark.parametrize("slug", _real_posts())
def test_real_post_zip_runs_in_a_fresh_venv_and_matches_the_page(slug, tmp_path):
    zip_path = SITE / "downloads" / f"{slug}.zip"
    if not zip_path.is_file():
        pytest.fail("build/site has no zips: run `make site` (make test builds it first)")
    nb = run_bundle(zip_path, slug, tmp_path)
    page = (SITE / "blog" / slug / "index.html").read_text(encoding="utf-8")
    assert compare_with_page(nb, REPO / "posts" / slug / "index.md", page, SITE, slug) >= 1
