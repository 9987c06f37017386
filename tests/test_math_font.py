"""The served math font holds what the site's formulas draw, and little else (folio.site.math_font)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from folio.site.math_font import ITALIC, math_chars, site_chars, subset
from folio.site.memo import Memo
from tests.conftest import REPO, make_project

MASTER = REPO / "site_src" / "assets" / "fonts" / "dejavu-math.woff2"
SITE = REPO / "build" / "site"
SERVED = SITE / "assets" / "fonts" / "dejavu-math.woff2"


def _cmap(data: bytes) -> set[int]:
    return set(TTFont(io.BytesIO(data)).getBestCmap())


def test_math_chars_reads_the_formulas_text_not_their_attributes():
    page = ('<p>x &lt; y</p><math alttext="\\alpha + Q"><mi>&#x3B1;</mi><mo>&lt;</mo>'
            '<mi mathvariant="normal">&#x211D;</mi></math> <math><mn>2</mn></math>')
    assert math_chars(page) == " 2<αℝ"


def test_subset_keeps_the_characters_and_their_stretchy_forms():
    wanted = {ord(c) for c in "()∑x"} | ITALIC
    data = subset(MASTER.read_bytes(), wanted)
    assert data == subset(MASTER.read_bytes(), wanted), "the same characters gave other bytes"
    font = TTFont(io.BytesIO(data))
    cmap = font.getBestCmap()
    assert wanted <= set(cmap)
    assert ord("y") not in cmap and ord("∫") not in cmap
    variants = font["MATH"].table.MathVariants
    stretchy = set(variants.VertGlyphCoverage.glyphs)
    assert cmap[ord("(")] in stretchy and cmap[ord("∑")] in stretchy, \
        "the MATH table lost the fences' and the sum's larger forms"
    assert len(data) < MASTER.stat().st_size / 4


def test_the_served_font_draws_every_character_the_site_uses():
    if not SERVED.is_file():
        pytest.fail("build/site is missing: run `make site` (make test builds it first)")
    served = SERVED.read_bytes()
    cmap = _cmap(served)
    used = site_chars(SITE, Memo(REPO / "build" / "no-such-memo", "test"))
    master = _cmap(MASTER.read_bytes())
    missing = sorted(chr(c) for c in (used | ITALIC) & master - cmap)
    assert not missing, f"characters the site's formulas use that the served font lacks: {missing}"
    assert used > set(range(0x3B1, 0x3B3)), "no Greek letter found in the site's formulas"
    assert len(served) < 0.4 * MASTER.stat().st_size, \
        f"the served math font is {len(served) // 1024} KB of the master's {MASTER.stat().st_size // 1024}"


def test_a_math_font_that_is_not_in_the_docs_is_a_clear_error(tmp_path):
    proj = make_project(tmp_path / "blog", posts=[])
    cfg = proj.root / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("math_font: assets/fonts/dejavu-math.woff2",
                                           "math_font: assets/fonts/missing.woff2"))
    run = subprocess.run([sys.executable, "-m", "folio", "build"], cwd=proj.root,
                         capture_output=True, text=True)
    text = run.stdout + run.stderr
    assert run.returncode == 1, text
    text = " ".join(text.split())  # mkdocs folds long messages to the terminal's width
    assert "math_font 'assets/fonts/missing.woff2' is not a file under docs_dir" in text
    assert "Traceback" not in text and "\x1b[" not in text


def test_subsets_are_reused_across_projects_and_the_caches_stay_bounded(tmp_path, monkeypatch):
    from folio.site import math_font

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(math_font, "SHARED_KEPT", 2)
    made = []
    real = math_font.subset
    monkeypatch.setattr(math_font, "subset", lambda raw, cps: made.append(len(cps)) or real(raw, cps))

    def site(name: str, formula: str) -> Path:
        d = tmp_path / name / "site"
        d.mkdir(parents=True)
        (d / "index.html").write_text(f"<p><math><mi>{formula}</mi></math></p>")
        return d

    def serve(name: str, formula: str) -> bytes:
        d = site(name, formula)
        dest = d / "assets" / "fonts" / "math.woff2"
        math_font.serve_subset(MASTER, dest, d, Memo(tmp_path / name / "memo", "t"),
                               tmp_path / name / "build" / "math-font")
        return dest.read_bytes()

    first = serve("a", "∑")
    assert serve("b", "∑") == first and len(made) == 1, "a second project made the subset again"
    for i, formula in enumerate("∫∮∏"):
        serve(f"c{i}", formula)
    assert len(made) == 4
    assert len(list((tmp_path / "xdg" / "folio" / "math-font").glob("*.woff2"))) == 2
    assert len(list((tmp_path / "c2" / "build" / "math-font").glob("*.woff2"))) == 1
