"""Least work per change: what a rebuild renders again, what the site build memoizes, and the
mkdocs process started early. Every shortcut is checked against the thing it skips."""

import os

from folio.pipeline import BuildOptions, build
from folio.site.build import SiteBuild, site_may_change

NO_SITE = BuildOptions(jobs=2, site=False)
SITE = BuildOptions(jobs=2)


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_prose_edit_renders_that_post_only(project):
    assert sorted(build(project, NO_SITE).rendered) == ["alpha", "beta"]
    assert build(project, NO_SITE).rendered == []
    edit(project.posts_dir / "alpha" / "index.md", "Alpha introduces", "Alpha, edited, introduces")
    again = build(project, NO_SITE)
    assert again.rendered == ["alpha"]
    assert "Alpha, edited, introduces" in (project.generated_posts / "alpha.md").read_text()


def test_a_missing_or_hand_edited_generated_file_is_rendered_again(project):
    build(project, NO_SITE)
    page = project.generated_posts / "alpha.md"
    good = page.read_text()
    page.unlink()
    assert build(project, NO_SITE).rendered == ["alpha"] and page.read_text() == good
    page.write_text(good + "\nscribbled by hand\n")
    assert build(project, NO_SITE).rendered == ["alpha"] and page.read_text() == good
    notebook = project.generated_notebooks / "beta.ipynb"
    notebook.unlink()
    assert build(project, NO_SITE).rendered == ["beta"] and notebook.is_file()


def test_an_edited_counterpart_module_renders_the_post_again(project):
    """The check mark quotes the counterpart's source: editing a comment in it (same outputs)
    must still show the new source."""
    build(project, NO_SITE)
    mod = project.posts_dir / "alpha" / "alpha_eqs.py"
    edit(mod, "def ", "# a comment the page quotes\ndef ")
    r = build(project, NO_SITE)
    assert r.rendered == ["alpha"]
    assert "a comment the page quotes" in (project.generated_posts / "alpha.md").read_text()


def test_a_broken_link_fails_every_build_not_only_the_first(project):
    """The Markdown conversion is memoized per page; a page whose conversion warned is not, so
    the warning (an error in the strict site build) comes back until it is fixed."""
    edit(project.posts_dir / "alpha" / "index.md", "Alpha introduces",
         "See [the missing page](nowhere.md). Alpha introduces")
    for _ in range(2):
        r = build(project, SITE)
        assert not r.ok
        text = "\n".join(r.problems)
        assert "mkdocs could not build the site" in text
        assert "contains a link 'nowhere.md'" in text and "blog/posts/alpha.md" in text
    edit(project.posts_dir / "alpha" / "index.md", "See [the missing page](nowhere.md). ", "")
    assert build(project, SITE).ok


def test_mkdocs_is_started_early_only_when_an_input_changed(project):
    assert site_may_change(project)
    assert build(project, SITE).ok
    assert not site_may_change(project)  # a no-op build does not start mkdocs
    edit(project.posts_dir / "beta" / "index.md", "Beta", "Beta ")
    assert site_may_change(project)
    assert build(project, SITE).ok and not site_may_change(project)


def test_the_early_mkdocs_rereads_a_config_edited_while_it_waited(project):
    assert build(project, NO_SITE).ok
    site = SiteBuild(project)
    site.wait_ready()  # it has loaded mkdocs.yml: the edit below comes after
    edit(project.root / "mkdocs.yml", "site_name: folio", "site_name: renamed folio")
    site.run()
    assert "renamed folio" in (project.site_dir / "index.html").read_text()


def test_a_broken_config_is_reported_with_its_file(project):
    build(project, NO_SITE)
    edit(project.root / "mkdocs.yml", "name: material", "name: no-such-theme")
    r = build(project, SITE)
    assert not r.ok
    text = "\n".join(r.problems)
    assert "mkdocs.yml: mkdocs could not build the site" in text
    assert "no-such-theme" in text
    assert os.path.isdir(project.cache_dir)  # nothing cached is lost


def test_switching_between_preview_and_published_pages_renders_only_what_differs(tmp_path,
                                                                                 monkeypatch):
    """`folio serve` renders preview pages (what to fix, for the author); `folio build` the
    published ones. Each variant keeps its own render memo entry, so going back and forth
    renders again only the posts whose two pages differ (every post did, each way), and each
    build leaves its own variant's bytes."""
    from tests.conftest import FIXTURES, make_project

    blog = sorted((FIXTURES / "blog" / "posts").iterdir())
    project = make_project(tmp_path / "blog", posts=[*blog, FIXTURES / "posts" / "missing-check"])
    slugs = sorted(p.name for p in project.posts_dir.iterdir())
    assert sorted(build(project, NO_SITE).rendered) == slugs
    published = {p.name: p.read_bytes() for p in project.generated_posts.glob("*.md")}
    monkeypatch.setenv("FOLIO_PREVIEW", "1")
    assert sorted(build(project, NO_SITE).rendered) == slugs  # never rendered so before
    preview = {p.name: p.read_bytes() for p in project.generated_posts.glob("*.md")}
    differ = sorted(n[:-3] for n in published if published[n] != preview[n])
    assert differ == ["missing-check"]  # the preview says what to do about the missing check
    monkeypatch.delenv("FOLIO_PREVIEW")
    assert sorted(build(project, NO_SITE).rendered) == differ
    assert {p.name: p.read_bytes() for p in project.generated_posts.glob("*.md")} == published
    monkeypatch.setenv("FOLIO_PREVIEW", "1")
    assert sorted(build(project, NO_SITE).rendered) == differ
    assert {p.name: p.read_bytes() for p in project.generated_posts.glob("*.md")} == preview
