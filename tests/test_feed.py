"""The RSS feed as a reader's app sees it: valid, complete, absolute, math without JavaScript."""

import email.utils
import json
import re
from pathlib import Path
from urllib.parse import urlparse

import feedparser
import pytest

from folio.parse import read_post

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "build" / "site"
SITE_URL = "https://folio-blog.github.io/folio/"


@pytest.fixture(scope="module")
def feed():
    path = SITE / "feed_rss_created.xml"
    if not path.is_file():
        pytest.fail("build/site/feed_rss_created.xml is missing: run `make site` first")
    return path.read_text(encoding="utf-8"), feedparser.parse(path.read_text(encoding="utf-8"))


def published_posts():
    report = json.loads((REPO / "build" / "report.json").read_text())
    ok = {p["slug"] for p in report["posts"] if p["status"] != "failed"}
    posts = [read_post(p) for p in sorted((REPO / "posts").glob("*/index.md"))]
    return [p for p in posts if p.slug in ok and not p.meta.draft]


def local_file(url: str) -> Path:
    assert url.startswith(SITE_URL), url
    rel = url[len(SITE_URL):]
    return SITE / rel / "index.html" if rel.endswith("/") or not rel else SITE / rel


def _cited_links() -> set[str]:
    """The DOIs and URLs the site's bibliography gives its entries: the only links out allowed."""
    bib = (Path(__file__).resolve().parent.parent / "site_src" / "references.bib").read_text(
        encoding="utf-8")
    links = {f"https://doi.org/{d}" for d in re.findall(r"\bdoi\s*=\s*\{([^}]*)\}", bib)}
    return links | set(re.findall(r"\burl\s*=\s*\{([^}]*)\}", bib))


CITED_LINKS = _cited_links()


def url_problems(html: str) -> list[str]:
    """Every link and image in an item's HTML must be an absolute URL on the site that resolves
    to a file of the built site: a feed reader shows the item away from the site, and nothing
    may be fetched from elsewhere."""
    problems = []
    for attr, url in re.findall(r'\b(href|src)="([^"]*)"', html):
        if attr == "href" and url in CITED_LINKS:
            continue  # a reference's DOI or URL: a link out, never fetched to show the item
        if not url.startswith(SITE_URL):
            kind = "relative" if not urlparse(url).scheme else "off-site"
            problems.append(f"{kind} {attr} {url}")
        elif not local_file(url.split("#")[0]).is_file():
            problems.append(f"{attr} {url} is not a file of the built site")
    return problems


def test_url_problems_catches_what_a_feed_reader_cannot_follow():
    bad = {f'<a href="http://{SITE_URL[8:]}blog/">': "off-site href",  # plain http
           '<a href="https://example.com/">': "off-site href",
           '<img src="//cdn.example.com/x.svg">': "relative src",
           '<a href="../beta/">': "relative href",
           '<a href="#eq-1">': "relative href",
           f'<img src="{SITE_URL}figures/no-such-post/nothing.svg">': "is not a file of the built site"}
    for html, problem in bad.items():
        (found,) = url_problems(html)
        assert problem in found, (html, found)
    assert url_problems('<p>no links</p>') == []


def test_feed_parses_without_errors(feed):
    _, parsed = feed
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title.startswith("folio")


def test_every_post_is_an_item_with_metadata(feed):
    _, parsed = feed
    items = {e.title: e for e in parsed.entries}
    for post in published_posts():
        assert post.meta.title in items, f"{post.slug} is not in the feed"
        e = items[post.meta.title]
        assert e.link == f"{SITE_URL}blog/{post.slug}/"
        assert local_file(e.link).is_file(), f"{e.link} does not resolve in the built site"
        assert e.published_parsed[:3] == post.meta.date.timetuple()[:3]
        assert {t.term for t in e.tags} == set(post.meta.categories)
        assert e.get("author") or e.get("authors"), f"{post.slug}: no author"


def test_items_carry_full_content_with_absolute_urls_and_mathml(feed):
    _, parsed = feed
    by_title = {e.title: e for e in parsed.entries}
    for post in published_posts():
        html = by_title[post.meta.title].description
        # Full content: the last prose of the post is there, not only the excerpt.
        assert "This post's code ran on" in html, f"{post.slug}: the item holds only part of the post"
        assert url_problems(html) == [], post.slug
        if post.equations:
            # Pre-rendered math: a reader that runs no JavaScript still sees formulas.
            assert html.count('class="folio-equation"') == len(post.equations)
            assert "<math" in html and "\\(" not in html


def test_no_placeholders_in_the_channel(feed):
    raw, _ = feed
    assert "<url>None</url>" not in raw
    assert ">None<" not in raw
    assert "<lastBuildDate>" in raw


def test_the_channel_is_dated_by_its_newest_item(feed):
    raw, parsed = feed
    newest = max(e.published_parsed for e in parsed.entries)
    assert parsed.feed.updated_parsed == newest
    (last,) = re.findall(r"<lastBuildDate>([^<]+)</lastBuildDate>", raw)
    assert email.utils.parsedate_to_datetime(last).timetuple()[:6] == newest[:6]


def test_fix_feed_dates_the_channel_by_the_newest_item_whatever_the_order():
    from folio.site.feed import fix_feed

    xml = ("<rss><channel><title>t</title><pubDate>Thu, 01 Jan 2026 00:00:00 -0000</pubDate>"
           "<lastBuildDate>Thu, 01 Jan 2026 00:00:00 -0000</lastBuildDate>"
           "<item><title>a</title><pubDate>Mon, 12 Jan 2026 00:00:00 +0000</pubDate></item>"
           "<item><title>b</title><pubDate>Mon, 13 Apr 2026 00:00:00 +0000</pubDate></item>"
           "<item><title>c</title><pubDate>Mon, 02 Mar 2026 00:00:00 +0000</pubDate></item>"
           "</channel></rss>")
    fixed = fix_feed(xml, fix=lambda item: item)
    assert "<lastBuildDate>Mon, 13 Apr 2026 00:00:00 +0000</lastBuildDate>" in fixed
    assert fixed.count("<pubDate>Mon, 13 Apr 2026") == 2  # the channel's and item b's
    assert "2026-01-01" not in fixed and "01 Jan 2026" not in fixed
    assert fix_feed(fixed, fix=lambda item: item) == fixed


def test_feed_unescape_matches_html_unescape_on_jinja_escaped_text():
    import html

    from markupsafe import escape

    from folio.site.feed import _unescape

    for text in ['<a href="x.html?a=1&amp;b=2">it\'s &nbsp; &rarr; 3 < 4 > 2</a>',
                 "&amp;lt; already escaped &#34; &quot;", ""]:
        escaped = str(escape(text))
        assert _unescape(escaped) == html.unescape(escaped) == text
