"""What a reader of the blog expects: citations and a References section, a front page of posts,
share cards, a run-it-yourself zip. On the fixture blog (alpha, beta, and gamma, which cites)."""

from __future__ import annotations

import html
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from folio.pipeline import BuildOptions, build
from tests.conftest import FIXTURES, make_project

READERS = FIXTURES / "readers"
NO_SITE = BuildOptions(jobs=1, keep_going=True, site=False)


def readers_project(dest: Path):
    proj = make_project(dest, [FIXTURES / "blog" / "posts" / "alpha", FIXTURES / "blog" / "posts" / "beta",
                               READERS / "posts" / "gamma"])
    shutil.copy(READERS / "references.bib", proj.root / "site_src" / "references.bib")
    return proj


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    proj = readers_project(tmp_path_factory.mktemp("readers") / "blog")
    result = build(proj, BuildOptions(jobs=2))
    assert result.ok, result.problems
    return proj, result


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, l in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in l)


# Citations ------------------------------------------------------------------------------------

def test_citations_link_to_a_numbered_references_section_with_doi_and_url(built):
    proj, _ = built
    page = (proj.site_dir / "blog" / "gamma" / "index.html").read_text(encoding="utf-8")
    # Numbered in order of first citation; a multi-key role lists both; {cite:t} names the author.
    assert re.search(r'as Gauss is said to have done \[<a class="folio-cite" href="#ref-gauss-disquisitiones">1</a>\]', page)
    assert re.search(r'higher powers \[<a class="folio-cite" href="#ref-faulhaber1631">2</a>, '
                     r'<a class="folio-cite" href="#ref-gauss-disquisitiones">1</a>\]', page)
    assert 'Purcell [<a class="folio-cite" href="#ref-purcell1977">3</a>]' in page
    refs = page[page.index('id="references"'):]
    items = re.findall(r'<li id="(ref-[^"]+)" value="(\d)">(.*?)</li>', refs, re.S)
    assert [(i, n) for i, n, _ in items] == [("ref-gauss-disquisitiones", "1"), ("ref-faulhaber1631", "2"),
                                            ("ref-purcell1977", "3")]
    purcell = items[2][2]
    assert "American Journal of Physics" in purcell and "1977" in purcell
    assert '<a href="https://doi.org/10.1119/1.10903">' in purcell
    assert '<a href="https://example.org/disquisitiones">' in items[0][2]
    # The site bibliography's uncited entry is not listed.
    assert "uncited-site-entry" not in page


def test_feed_item_carries_the_citations_and_references(built):
    import feedparser

    proj, _ = built
    feed = feedparser.parse((proj.site_dir / "feed_rss_created.xml").read_text(encoding="utf-8"))
    item = next(e for e in feed.entries if e.title == "Gamma cites its sources")
    body = item.description
    # Absolute links, so the citation works in a feed reader; the entry is there to read.
    assert re.search(r'href="https://[^"]+/blog/gamma/#ref-purcell1977"', body)
    assert "Life at low" in body and "https://doi.org/10.1119/1.10903" in body


def test_blog_index_and_home_excerpt_citations_point_at_the_post(built):
    proj, _ = built
    for page, href in (("index.html", "blog/gamma/#ref-gauss-disquisitiones"),
                       ("blog/index.html", "gamma/#ref-gauss-disquisitiones")):
        text = (proj.site_dir / page).read_text(encoding="utf-8")
        assert f'<a class="folio-cite" href="{href}">1</a>' in text, page


def test_companion_notebook_shows_citations_as_numbers(built):
    proj, _ = built
    nb = (proj.docs_dir / "notebooks" / "gamma.ipynb").read_text(encoding="utf-8")
    assert "{cite}" not in nb and "as Gauss is said to have done [1]" in nb


def _render_error(proj) -> str:
    result = build(proj, NO_SITE)
    assert not result.ok
    return "\n".join(result.problems)


def test_unknown_key_is_an_error_naming_the_post_line(tmp_path):
    proj = readers_project(tmp_path / "blog")
    post = proj.posts_dir / "gamma" / "index.md"
    _edit(post, "{cite:t}`purcell1977`", "{cite:t}`purcel1977`")
    msg = _render_error(proj)
    assert f"{post}:{_line_of(post, 'purcel1977')}: citation of unknown bibliography key 'purcel1977'" in msg
    assert "similar keys: purcell1977" in msg and "fix: add an entry" in msg
    assert "Traceback" not in msg
    # The other posts still built.
    assert (proj.generated_posts / "alpha.md").is_file()


def test_duplicate_key_is_an_error_naming_the_bib_line(tmp_path):
    proj = readers_project(tmp_path / "blog")
    bib = proj.docs_dir / "references.bib"
    bib.write_text(bib.read_text() + "\n@misc{purcell1977,\n  title = {Again},\n  year = {1977},\n}\n")
    msg = _render_error(proj)
    line = len(bib.read_text().splitlines()) - 3
    assert (f"site_src/references.bib:{line}: bibliography key 'purcell1977' is defined twice "
            f"(first on line 1)") in msg


def test_post_bib_repeating_a_site_key_is_an_error(tmp_path):
    proj = readers_project(tmp_path / "blog")
    own = proj.posts_dir / "gamma" / "references.bib"
    own.write_text(own.read_text() + "\n@misc{purcell1977,\n  title = {Mine},\n  year = {1977},\n}\n")
    msg = _render_error(proj)
    assert ("posts/gamma/references.bib:9: bibliography key 'purcell1977' is already defined in "
            "site_src/references.bib (line 1)") in msg


def test_missing_required_field_is_an_error_naming_the_entry(tmp_path):
    proj = readers_project(tmp_path / "blog")
    bib = proj.docs_dir / "references.bib"
    _edit(bib, "  journal = {American Journal of Physics},\n", "")
    msg = _render_error(proj)
    assert ("site_src/references.bib:1: bibliography entry 'purcell1977' (article) has no journal, "
            "which its type requires") in msg
    assert "fix: add journal = {...} to the entry" in msg


def test_bibtex_syntax_error_names_the_line(tmp_path):
    proj = readers_project(tmp_path / "blog")
    own = proj.posts_dir / "gamma" / "references.bib"
    own.write_text("@article{broken,\n  title = {No closing brace,\n  year = 1631\n")
    msg = _render_error(proj)
    assert re.search(r"posts/gamma/references.bib:\d+: BibTeX syntax error", msg), msg


def test_uncited_entry_of_the_posts_own_bib_is_a_warning(tmp_path):
    proj = readers_project(tmp_path / "blog")
    own = proj.posts_dir / "gamma" / "references.bib"
    own.write_text(own.read_text() + "\n@misc{spare,\n  title = {Spare},\n  year = {2000},\n}\n")
    result = build(proj, NO_SITE)
    assert result.ok, result.problems
    assert any("posts/gamma/references.bib:9: bibliography entry 'spare' is never cited in "
               "posts/gamma/index.md" in w for w in result.warnings), result.warnings
    # The site's own uncited entries are not the post's business.
    assert not any("uncited-site-entry" in w for w in result.warnings)


def test_editing_the_site_bib_renders_the_citing_pages_again(tmp_path):
    proj = readers_project(tmp_path / "blog")
    assert build(proj, NO_SITE).ok
    _edit(proj.docs_dir / "references.bib", "Disquisitiones Arithmeticae", "Disquisitiones arithmeticae (1801)")
    result = build(proj, NO_SITE)
    assert "gamma" in result.rendered
    assert "Disquisitiones arithmeticae (1801)" in (proj.generated_posts / "gamma.md").read_text()


# Share cards ----------------------------------------------------------------------------------

class _Meta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.canonical = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.meta.setdefault(a.get("property") or a.get("name"), []).append(a.get("content"))
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical = a.get("href")


def page_meta(path: Path) -> _Meta:
    p = _Meta()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def check_share_card(site: Path, slug: str, title: str, description: str, date: str) -> None:
    """The post page's OpenGraph and Twitter meta, and the card image they point at."""
    from PIL import Image

    m = page_meta(site / "blog" / slug / "index.html")
    one = {k: v[0] for k, v in m.meta.items()}
    assert one["og:type"] == "article"
    assert html.unescape(one["og:title"]) == title == html.unescape(one["twitter:title"])
    assert html.unescape(one["og:description"]) == description
    assert one["og:url"] == m.canonical and one["og:url"].startswith("https://")
    assert one["og:url"].endswith(f"/blog/{slug}/")
    assert one["article:published_time"].startswith(date)
    assert one["twitter:card"] == "summary_large_image"
    image = one["og:image"]
    assert image == one["twitter:image"] and image.startswith("https://") and image.endswith(f"/cards/{slug}.png")
    # The image is in the built site at that address, a 1200x630 PNG.
    site_url = one["og:url"][: -len(f"blog/{slug}/")]
    local = site / image[len(site_url):]
    with Image.open(local) as img:
        assert img.format == "PNG" and img.size == (1200, 630)
        # A drawn card, not a blank: the title's white text covers a fair share of it.
        assert sum(img.convert("L").histogram()[241:]) > 1000


def test_post_pages_carry_share_cards(built):
    proj, _ = built
    check_share_card(proj.site_dir, "gamma", "Gamma cites its sources",
                     "A fixture post with citations, a post bibliography and equation references.",
                     "2026-01-30")
    check_share_card(proj.site_dir, "alpha", "Alpha", "The first fixture post.", "2026-01-10")


def test_share_card_is_the_same_bytes_on_every_build_and_changes_with_the_title(tmp_path):
    from folio.parse import read_post
    from folio.render.cards import card_png

    post = read_post(READERS / "posts" / "gamma" / "index.md")
    assert card_png(post) == card_png(post)
    copy = tmp_path / "gamma"
    shutil.copytree(READERS / "posts" / "gamma", copy)
    _edit(copy / "index.md", "title: Gamma cites its sources", "title: Gamma cites other sources")
    assert card_png(read_post(copy / "index.md")) != card_png(post)


# Front page -----------------------------------------------------------------------------------

def test_home_page_lists_the_latest_posts_series_and_feed(built):
    proj, _ = built
    page = (proj.site_dir / "index.html").read_text(encoding="utf-8")
    cards = re.findall(r'<article class="md-post md-post--excerpt">(.*?)</article>', page, re.S)
    titles = [re.sub(r"<[^>]+>", "", re.search(r"<h2[^>]*>(.*?)</h2>", c, re.S).group(1)).strip().rstrip("¶")
              for c in cards]
    assert titles == ["Gamma cites its sources", "Beta", "Alpha"]  # newest first
    gamma = cards[0]
    assert '<time datetime="2026-01-30' in gamma and "January 30, 2026" in gamma
    assert re.search(r'href="blog/category/citations/"[^>]*>Citations</a>', gamma)
    assert re.search(r"\d+ min read", gamma)
    assert "Gamma sums the first integers" in gamma  # the excerpt
    assert "Faulhaber" not in gamma  # ... and only the excerpt
    assert 'href="blog/gamma/"' in gamma
    assert re.search(r'<a href="series/fixture-series/"><strong>Fixture series</strong></a>\s*\(2 posts\)', page)
    assert 'href="feed_rss_created.xml"' in page
    # Light: no images on the front page but the authors' small avatars.
    imgs = re.findall(r"<img [^>]*>", page[page.index('id="latest-posts"'):])
    assert all('width="32"' in i for i in imgs), imgs
    assert len(page.encode()) < 60_000


# Run it yourself ------------------------------------------------------------------------------

def test_zip_holds_notebook_modules_runtime_and_pinned_requirements(built):
    proj, _ = built
    z = zipfile.ZipFile(proj.site_dir / "downloads" / "beta.zip")
    names = set(z.namelist())
    assert {"beta/beta.ipynb", "beta/README.md", "beta/requirements.txt", "beta/folio/__init__.py",
            "beta/kernels/__init__.py", "beta/kernels/tiny.py"} <= names
    assert "beta/kernels/unused.py" not in names  # only what the post imports
    reqs = z.read("beta/requirements.txt").decode().splitlines()
    pins = dict(l.split("==") for l in reqs if l and not l.startswith("#"))
    assert {"numpy", "matplotlib", "ipykernel", "nbclient"} <= set(pins)
    assert "torch" not in pins and "mkdocs" not in pins and "folio" not in pins
    import numpy
    assert pins["numpy"] == numpy.__version__
    page = (proj.site_dir / "blog" / "beta" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../downloads/beta.zip"' in page


def test_zip_is_the_same_bytes_on_a_clean_rebuild(built, tmp_path):
    proj, _ = built
    first = (proj.site_dir / "downloads" / "gamma.zip").read_bytes()
    again = readers_project(tmp_path / "blog")
    assert build(again, NO_SITE).ok
    assert (again.docs_dir / "downloads" / "gamma.zip").read_bytes() == first
    assert (again.docs_dir / "cards" / "gamma.png").read_bytes() == (proj.site_dir / "cards" / "gamma.png").read_bytes()


def test_removed_post_loses_its_zip_and_card(tmp_path):
    proj = readers_project(tmp_path / "blog")
    assert build(proj, NO_SITE).ok
    shutil.rmtree(proj.posts_dir / "gamma")
    assert build(proj, NO_SITE).ok
    assert not (proj.docs_dir / "downloads" / "gamma.zip").exists()
    assert not (proj.docs_dir / "cards" / "gamma.png").exists()
    assert (proj.docs_dir / "downloads" / "alpha.zip").is_file()


def test_zip_requirements_follow_the_code_not_the_prose(tmp_path):
    proj = readers_project(tmp_path / "blog")
    assert build(proj, NO_SITE).ok
    zpath = proj.docs_dir / "downloads" / "gamma.zip"

    def pins():
        with zipfile.ZipFile(zpath) as z:
            return {l.split("==")[0] for l in z.read("gamma/requirements.txt").decode().splitlines()
                    if l and not l.startswith("#")}

    before = pins()
    assert "scipy" not in before
    post = proj.posts_dir / "gamma" / "index.md"
    _edit(post, "Gamma sums the first integers", "Gamma adds up the first integers")
    assert build(proj, NO_SITE).ok and pins() == before
    with zipfile.ZipFile(zpath) as z:
        assert "Gamma adds up the first integers" in z.read("gamma/gamma.ipynb").decode()
    _edit(post, "from gamma_eqs import triangular\n", "from gamma_eqs import triangular\nimport scipy.special\n")
    assert build(proj, NO_SITE).ok
    assert pins() == before | {"scipy"}


REAL_SITE = Path(__file__).resolve().parent.parent / "build" / "site"
REAL_POSTS = sorted((Path(__file__).resolve().parent.parent / "posts").glob("*/index.md"))


@pytest.mark.parametrize("index", REAL_POSTS, ids=lambda p: p.parent.name)
def test_every_real_post_page_carries_a_share_card_and_its_references(index):
    """On the built site (`make test` builds it first)."""
    from folio.parse import read_post

    page = REAL_SITE / "blog" / index.parent.name / "index.html"
    if not page.is_file():
        pytest.fail("build/site is missing this post: run `make site` (make test builds it first)")
    post = read_post(index)
    check_share_card(REAL_SITE, post.slug, post.meta.title, post.meta.description,
                     f"{post.meta.date:%Y-%m-%d}")
    # Every {cite} of the post has its entry in the page's References section, and vice versa.
    from folio.render.citations import anchor, numbers

    text = page.read_text(encoding="utf-8")
    listed = re.findall(r'<li id="(ref-[^"]+)" value="\d+">', text)
    assert listed == [anchor(k) for k in numbers(post)]
    assert (REAL_SITE / "downloads" / f"{post.slug}.zip").is_file()
