"""Every cited bibliography entry links out: its References entry carries a DOI or a URL. A cited
entry with neither is a build warning naming the .bib file and line; on the real site the few
entries that have no identifier anyone could be sure of are listed here, each with its reason, so
that a new unlinked entry fails this test."""

from __future__ import annotations

from pathlib import Path

from folio.parse import read_post
from folio.pipeline import build
from folio.render import citations
from tests.test_readers import NO_SITE, _edit, readers_project

REPO = Path(__file__).resolve().parent.parent

# Cited entries of site_src/references.bib that have neither a DOI nor a URL, and why.
UNLINKED = {
    "henry2010": "a book chapter (World Scientific, 2010) whose chapter DOI we could not confirm",
    "feller1968": "a 1968 Wiley textbook: no DOI, no stable publisher page for this edition",
    "feller1971": "a 1971 Wiley textbook: no DOI, no stable publisher page for this edition",
    "weigel2011": "PNAS article whose DOI we could not confirm against any record",
    "perrin1909": "an 1909 article in Annales de Chimie et de Physique: no DOI",
    "stokes1851": "an 1851 article in the Transactions of the Cambridge Philosophical Society: no DOI",
    "vogel1994": "a 1994 Princeton textbook: no DOI, publisher page not confirmed",
    "rescorla1972": "a chapter of Classical Conditioning II (1972): no DOI",
    "kamin1969": "a chapter of Punishment and Aversive Behavior (1969): no DOI",
    "yin1994": "journal article whose DOI and pages we could not confirm against any record",
    "kording2021": "course slides with no stable public address",
    "openai-pricing-2023": "a 2023 pricing page that no longer shows that price",
    "fazel2002": "a 2002 Stanford PhD thesis: no DOI, no stable address confirmed",
}


def test_a_cited_entry_without_doi_or_url_is_a_warning_naming_the_bib_line(tmp_path):
    proj = readers_project(tmp_path / "blog")
    bib = proj.docs_dir / "references.bib"
    _edit(bib, "  url = {https://example.org/disquisitiones},\n", "")
    result = build(proj, NO_SITE)
    assert result.ok, result.problems
    warned = [w for w in result.warnings if "has no doi or url" in w]
    assert warned == [
        "site_src/references.bib:12: bibliography entry 'gauss-disquisitiones', cited in "
        "posts/gamma/index.md, has no doi or url: its References entry has no link "
        "(add doi = {...} or url = {...} to the entry)"], result.warnings
    # The page still builds and lists the entry, without a link.
    page = (proj.generated_posts / "gamma.md").read_text(encoding="utf-8")
    assert 'id="ref-gauss-disquisitiones"' in page


def test_cited_entries_with_a_doi_or_url_are_not_warned_about(tmp_path):
    proj = readers_project(tmp_path / "blog")
    result = build(proj, NO_SITE)
    assert result.ok, result.problems
    assert not [w for w in result.warnings if "has no doi or url" in w], result.warnings


def test_a_post_bib_entry_without_a_link_is_named_with_its_own_file_and_line(tmp_path):
    proj = readers_project(tmp_path / "blog")
    own = proj.posts_dir / "gamma" / "references.bib"
    _edit(own, "  url = {https://example.org/faulhaber},\n", "")
    result = build(proj, NO_SITE)
    assert any(w.startswith("posts/gamma/references.bib:1: bibliography entry 'faulhaber1631', "
                            "cited in posts/gamma/index.md, has no doi or url")
               for w in result.warnings), result.warnings


def _site_citations():
    """{key: entry} of every entry a real post cites."""
    cited = {}
    for path in sorted((REPO / "posts").glob("*/index.md")):
        post = read_post(path)
        sources, _ = citations.bibliography(post, REPO)
        for key in citations.numbers(post):
            cited[key] = sources[key]
    return cited


def test_every_cited_entry_of_the_site_links_out_but_the_listed_exceptions():
    cited = _site_citations()
    unlinked = {k for k, src in cited.items() if not citations.has_link(src.entry)}
    new = sorted(unlinked - set(UNLINKED))
    assert not new, (f"cited without a DOI or URL: {new}; add doi = {{...}} or url = {{...}} "
                     "to each entry in site_src/references.bib")
    stale = sorted(set(UNLINKED) - unlinked)
    assert not stale, f"listed as unlinked but linked now or no longer cited: {stale}; remove them"


def test_doi_and_url_render_as_links_in_the_references_section():
    cited = _site_citations()
    keys = ["purcell1977", "sutton2018", "boyd2004"]  # a DOI, a URL, and both
    formatted = dict(zip(keys, citations._format([cited[k] for k in keys], REPO)))
    assert '<a href="https://doi.org/10.1119/1.10903">doi:10.1119/1.10903</a>' in formatted["purcell1977"][0]
    assert ('<a href="http://incompleteideas.net/book/the-book-2nd.html">'
            in formatted["sutton2018"][0])
    html, markdown = formatted["boyd2004"]
    assert '<a href="https://web.stanford.edu/~boyd/cvxbook/">' in html
    assert '<a href="https://doi.org/10.1017/CBO9780511804441">' in html
    assert "(https://doi.org/10.1017/CBO9780511804441)" in markdown  # the notebook's References
