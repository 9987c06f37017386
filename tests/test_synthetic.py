"""The scale benchmark's synthetic posts: seeded (the same bytes every time) and real posts that
folio reads: six sections, inline math, links, and with --code one code cell of their own."""

import sys
from pathlib import Path

from folio.parse import read_post

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from synthetic import generate  # noqa: E402


def files(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*.md"))}


def test_the_same_seed_writes_the_same_posts(tmp_path):
    generate(tmp_path / "a", 12)
    generate(tmp_path / "b", 12)
    assert files(tmp_path / "a") == files(tmp_path / "b") and len(files(tmp_path / "a")) == 12
    generate(tmp_path / "c", 12, seed=23)
    assert files(tmp_path / "c") != files(tmp_path / "a")


def test_posts_are_prose_with_math_links_and_six_sections(tmp_path):
    slugs = generate(tmp_path / "prose", 3)
    post = read_post(tmp_path / "prose" / slugs[0] / "index.md", None)
    text = post.path.read_text()
    assert not post.code_cells and not post.equations
    assert text.count("\n## ") == 6 and "$" in text and "](synthetic-0002.md)" in text

    slugs = generate(tmp_path / "code", 3, code=True)
    sources = [read_post(tmp_path / "code" / s / "index.md", None).code_cells for s in slugs]
    assert [len(c) for c in sources] == [1, 1, 1]
    assert len({c[0].source for c in sources}) == 3  # no two share a cache entry
