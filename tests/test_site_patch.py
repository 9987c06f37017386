"""The page-only site update (folio.site.patch): what it patches, and when it builds in full.

tests/test_reproducible.py compares the patched site with a clean build after each kind of edit;
here: the search index's entries spliced in its text, and a site changed behind folio's back."""

import json
import shutil

from hypothesis import given, settings, strategies as st
import pytest

from folio.pipeline import BuildOptions, build
from folio.site.splice import PatchFailed, splice_entries
from tests.conftest import make_project
from tests.test_reproducible import differing

# Page addresses where one is a prefix of another, as blog/x/ and blog/x/y/ are.
URLS = ["", "a/", "a/b/", "ab/", "a/b/c/", "b/"]


def _entries(url: str, n: int) -> list[dict]:
    return [{"location": url + (f"#s{i}" if i else ""), "title": f"T{i}", "text": f"{url} {i}"}
            for i in range(n)]


def _index(docs: list[dict]) -> str:
    return json.dumps({"config": {"lang": ["en"]}, "docs": docs}, separators=(",", ":"))


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.integers(0, 3), min_size=len(URLS), max_size=len(URLS)),
       which=st.integers(0, len(URLS) - 1), new=st.integers(0, 3))
def test_a_pages_search_entries_are_replaced_in_the_index_text(counts, which, new):
    """Splicing the text gives what dumping the index with the page's entries replaced gives:
    whatever the neighbours, prefixes of the address, or a page left with no entry."""
    docs = [e for url, n in zip(URLS, counts) for e in _entries(url, n)]
    url = URLS[which]
    replacement = [{**e, "text": "new"} for e in _entries(url, new)]
    if counts[which] == 0 and new:
        with pytest.raises(PatchFailed):
            splice_entries(_index(docs), url, replacement, "page.md")
        return
    expected = []
    for u, n in zip(URLS, counts):
        expected += replacement if u == url else _entries(u, n)
    assert splice_entries(_index(docs), url, replacement, "page.md") == _index(expected)


def test_entries_that_are_not_in_one_run_are_refused():
    docs = _entries("a/", 1) + _entries("b/", 1) + [{"location": "a/#late", "title": "", "text": ""}]
    with pytest.raises(PatchFailed, match="not in one run"):
        splice_entries(_index(docs), "a/", _entries("a/", 1), "a.md")


def _clean_copy(warm, dest):
    shutil.copytree(warm.root, dest, ignore=shutil.ignore_patterns(
        "build", "notebooks", "series", "downloads", "cards", "report.md"))
    from folio.config import Project

    clean = Project(dest)
    assert build(clean, BuildOptions(jobs=2)).ok
    return clean


def test_a_page_changed_behind_folios_back_is_rebuilt_in_full(tmp_path):
    """The patch splices into the HTML the last build wrote; a page file changed since is not
    that file, so the build goes in full, and the site is again what a clean build writes."""
    warm = make_project(tmp_path / "warm" / "blog")
    assert build(warm, BuildOptions(jobs=2)).ok
    page = warm.site_dir / "blog" / "alpha" / "index.html"
    page.write_text(page.read_text().replace("</body>", "<!-- hand edit --></body>"))
    index = warm.posts_dir / "alpha" / "index.md"
    index.write_text(index.read_text().replace("<!-- more -->", "<!-- more -->\n\nAdded."))
    r = build(warm, BuildOptions(jobs=2))
    assert r.ok and r.site_patched == 0
    clean = _clean_copy(warm, tmp_path / "clean" / "blog")
    assert [d for d in differing(warm.site_dir, clean.site_dir) if not d.startswith("report/")] == []
    assert "hand edit" not in page.read_text()


def test_a_new_heading_is_a_full_build_and_the_feed_follows_a_patched_post(tmp_path):
    """A heading changes the page's table of contents (its face): a full build. A sentence
    does not: patched, and the feed's item of the post shows it."""
    warm = make_project(tmp_path / "warm" / "blog")
    assert build(warm, BuildOptions(jobs=2)).ok
    index = warm.posts_dir / "alpha" / "index.md"
    index.write_text(index.read_text().replace("<!-- more -->", "<!-- more -->\n\n## A new part\n"))
    r = build(warm, BuildOptions(jobs=2))
    assert r.ok and r.site_patched == 0
    index.write_text(index.read_text().replace("## A new part\n", "## A new part\n\nIts words.\n"))
    r = build(warm, BuildOptions(jobs=2))
    assert r.ok and r.site_patched == 1
    for feed in ("feed_rss_created.xml", "feed_json_updated.json"):
        assert "Its words." in (warm.site_dir / feed).read_text(), feed
    clean = _clean_copy(warm, tmp_path / "clean" / "blog")
    assert [d for d in differing(warm.site_dir, clean.site_dir) if not d.startswith("report/")] == []


def test_a_patched_page_with_a_new_formula_character_serves_a_font_that_has_it(tmp_path):
    """After a patch the math font is cut from the last build's record of every page's
    characters and the patched page's own (not a walk of the whole site): a character only
    the edit brought is in the font, which is the font a clean build serves."""
    warm = make_project(tmp_path / "warm" / "blog")
    assert build(warm, BuildOptions(jobs=2)).ok
    font = warm.site_dir / "assets" / "fonts" / "dejavu-math.woff2"
    before = font.read_bytes()
    index = warm.posts_dir / "alpha" / "index.md"
    index.write_text(index.read_text().replace(
        "<!-- more -->", "<!-- more -->\n\nThe first infinite cardinal is $\\aleph_0$.\n"))
    r = build(warm, BuildOptions(jobs=2))
    assert r.ok and r.site_patched == 1
    assert font.read_bytes() != before
    from fontTools.ttLib import TTFont

    assert ord("ℵ") in TTFont(font).getBestCmap()
    clean = _clean_copy(warm, tmp_path / "clean" / "blog")
    assert [d for d in differing(warm.site_dir, clean.site_dir) if not d.startswith("report/")] == []
