"""The mkdocs plugin: publish figures and post modules, render math to MathML, make the feed portable.

Enabled as ``- folio`` under ``plugins:`` in mkdocs.yml (an entry point, so fixture projects in
temporary folders find it too). Each event does one thing; the work lives in folio's modules.
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files

from ..config import Project
from .feed import fix_feed, fix_item
from .home_page import home_context
from ..render.mathml import convert_page, math_as_text
from .build import site_setup
from .memo import (Memo, digest, memoize_excerpt, memoize_readtime, memoize_render,
                   memoize_search, memoized)
from .blog_speed import identity_posts, speed_up_blog
from .math_font import serve_subset
from .patch import content_span, file_rows
from .writes import SiteWrites, install


# The blog's listings repeat the posts; the build report holds this build's
# timings, and indexing it would make the search index differ between two builds of one commit.
log = logging.getLogger("mkdocs.plugins.folio")
UNINDEXED = ("blog/archive/", "blog/category/", "blog/page/", "report.md")


def _excerpt_only(render):
    """Hack: Material's blog converts each post's *whole* Markdown every time it lists the post
    (blog index, archive, every category), then keeps the part before the separator. Our posts
    are long and code-heavy, so this was most of the site build. Convert only the excerpt; a
    non-empty remainder keeps the "Continue reading" link. The excerpt's math becomes MathML,
    as on the post page (listings are not pages, so on_page_content never sees them)."""
    @functools.wraps(render)
    def render_excerpt(self, page, separator):
        full = self.post.markdown
        head, sep, _ = full.partition(separator)
        if sep:
            self.post.markdown = f"{head}{sep}\n\n&nbsp;\n"
        try:
            out = render(self, page, separator)
        finally:
            self.post.markdown = full
        self.content = convert_page(self.content)
        return out
    render_excerpt.folio_patched = True
    return render_excerpt


def search_math_as_text(add):
    """The search index gets each formula written out with <sub>/<sup> (see
    render.mathml.math_as_text): Material's index keeps only a few tags and would run a
    formula's symbols together. Wraps SearchIndex.add_entry_from_context; memoize_search calls
    the wrapper on a miss, so a hit converts nothing."""
    @functools.wraps(add)
    def add_entry_from_context(self, page):
        content = page.content
        page.content = math_as_text(content) if content and "<math" in content else content
        try:
            add(self, page)
        finally:
            page.content = content

    return add_entry_from_context


def keep_compiled_templates(theme_cls, folder: Path) -> None:
    """Compiled theme templates are kept between builds (Jinja checks each one's source). Hack:
    set on every environment the theme makes, not only the page one: Material's blog makes a new
    one, and compiles the language partial again, for each label it translates."""
    import jinja2

    folder.mkdir(parents=True, exist_ok=True)
    cache = jinja2.FileSystemBytecodeCache(str(folder))
    get_env = getattr(theme_cls.get_env, "folio_original", theme_cls.get_env)

    @functools.wraps(get_env)
    def get_env_cached(self):
        env = get_env(self)
        env.bytecode_cache = cache
        return env

    get_env_cached.folio_original = get_env
    theme_cls.get_env = get_env_cached


MEMOS = ("render", "excerpt", "mathml", "search", "readtime", "feed", "pages", "copies",
         "mathchars")


class FolioConfig(base.Config):
    # A font file under docs_dir that the site's MathML is drawn in: served cut down to the
    # characters the formulas use (see site.math_font), at its own address.
    math_font = c.Optional(c.Type(str))


class FolioPlugin(BasePlugin[FolioConfig]):
    def load_config(self, options, config_file_path=None):
        """The memos are read when mkdocs.yml is loaded: in a warm build (see site.worker) that
        is before the build is asked for."""
        result = super().load_config(options, config_file_path)
        self.memo_dir = self.memos = self.salt = None
        if config_file_path:
            project = Project(Path(config_file_path).resolve().parent)
            salt = digest(sys.version, *(p.read_text(encoding="utf-8")
                                         for p in site_setup(project) if p.is_file()))
            self.memo_dir, self.salt = project.build_dir / "site-memo", salt
            self.memos = {n: Memo(self.memo_dir / f"{n}.marshal", salt) for n in MEMOS}
        return result

    @event_priority(100)  # before Material's search plugin loads its first template
    def on_config(self, config):
        import material.plugins.blog.plugin as blog
        from material.plugins.blog.structure import Excerpt
        from material.plugins.search.plugin import SearchIndex
        from mkdocs.structure.pages import Page

        render = getattr(Excerpt.render, "folio_original", Excerpt.render)
        if not getattr(render, "folio_patched", False):
            Excerpt.render = _excerpt_only(render)
        if self.memos is None:
            raise PluginError("the folio plugin needs mkdocs.yml as a file (not stdin)")
        # Hack: memoize pure per-page steps of mkdocs and Material (see site.memo) between builds.
        memos = self.memos
        memoize_render(Page, memos["render"])
        memoize_excerpt(Excerpt, memos["excerpt"])
        self.convert_page = memoized(convert_page, memos["mathml"])
        memoize_search(SearchIndex, memos["search"], search_math_as_text)
        memoize_readtime(blog, memos["readtime"])
        self.fix_item = memoized(fix_item, memos["feed"])
        keep_compiled_templates(type(config.theme), self.memo_dir / "jinja")
        speed_up_blog()
        self.writes = SiteWrites(memos["pages"], memos["copies"])
        install(self.writes)
        return config

    @event_priority(100)  # before the blog's on_nav, after its on_files
    def on_nav(self, nav, config, files):
        identity_posts(config)
        return nav

    def on_env(self, env, config, files):
        self.writes.files = files
        return env

    def on_files(self, files: Files, config) -> Files:
        """Figures live in figures/<slug>/ (committed, outside docs_dir), post modules in
        posts/<slug>/: both are published as static files so pages can show and link them."""
        root = Path(config["config_file_path"]).resolve().parent
        figures = root / "figures"
        for path in sorted(figures.rglob("*")) if figures.is_dir() else []:
            if path.is_file() and "frozen" not in path.parts:
                uri = path.relative_to(root).as_posix()
                files.append(File.generated(config, uri, abs_src_path=str(path)))
        for path in sorted((root / "posts").glob("*/*.py")):
            uri = "code/" + path.relative_to(root / "posts").as_posix()
            files.append(File.generated(config, uri, abs_src_path=str(path)))
        self.math_font = None
        if self.config.math_font:
            font = files.get_file_from_path(self.config.math_font)
            if font is None:
                raise PluginError(f"{config['config_file_path']}: the folio plugin's math_font "
                                  f"'{self.config.math_font}' is not a file under docs_dir "
                                  f"({config['docs_dir']}); name the font's path from there")
            files.remove(font)  # written cut down after the build (see on_post_build)
            self.math_font = (Path(font.abs_src_path), Path(font.abs_dest_path))
        return files

    @event_priority(50)  # before the RSS plugin (-75) copies the page HTML into the feed
    def on_page_content(self, html: str, page, config, files) -> str:
        html = self.convert_page(html)
        # Hack: mkdocs assigns page.content only after every on_page_content handler has run, and
        # the RSS plugin reads page.content, not the chain's value: set it now so the feed gets
        # MathML too.
        page.content = html
        return html

    @event_priority(100)  # before the search plugin indexes the page
    def on_page_context(self, context, page, config, nav):
        """Keep the search index (fetched on every page load) to the posts and pages themselves."""
        if page.file.src_uri.startswith(UNINDEXED):
            page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
        if page.meta.get("template") == "home.html":  # the front page lists the latest posts
            context.update(home_context(page, config))
        return context

    @event_priority(-1000)  # last: the output as mkdocs writes it
    def on_post_page(self, output: str, page, config) -> str:
        """Where the page's content sits in its HTML, for a page-only update (see site.patch)."""
        self.writes.table.spans[page.file.src_uri] = content_span(output, page.content)
        return output

    @event_priority(-100)  # after the RSS plugin has written its feeds
    def on_post_build(self, config) -> None:
        site = Path(config["site_dir"])
        self.fix_feeds(site)
        if self.math_font:
            self.writes.kept.add(str(self.math_font[1]))
        gone = self.writes.prune()
        self.write_math_font(site)
        log.info(f"folio: {self.writes.rendered} of {self.writes.total} page(s) rendered by the "
                 f"theme, {gone} stale file(s) removed")
        for memo in self.memos.values():
            memo.save()
        self.writes.table.save(self.memo_dir, self.salt, file_rows(self.writes.files))

    def fix_feeds(self, site: Path) -> None:
        for name in ("feed_rss_created.xml", "feed_rss_updated.xml"):
            p = site / name
            if p.is_file():
                p.write_text(fix_feed(p.read_text(encoding="utf-8"), self.fix_item), encoding="utf-8")

    def write_math_font(self, site: Path, changed: set[str] | None = None) -> None:
        if not self.math_font:
            return
        master, dest = self.math_font
        try:
            size = serve_subset(master, dest, site, self.memos["mathchars"],
                                self.memo_dir.parent / "math-font", changed)
        except Exception as exc:  # noqa: BLE001 - fontTools raises many kinds on a bad font
            raise PluginError(f"{master}: cannot cut the math font down to the site's "
                              f"characters ({type(exc).__name__}: {exc}); check that it is "
                              f"a TrueType, OpenType or WOFF2 font") from None
        log.info(f"folio: math font {dest.name}, {size / 1024:.0f} KB for the site's formulas")

    def after_patch(self, config, rows: list, pages: dict, changed: set[str]) -> None:
        """After a page-only update (site.patch) that rewrote the HTML files ``changed``: the
        font for the formulas now on the site, the memos with what the update added, the
        record for the next update."""
        if self.config.math_font:  # as on_files found it (it is not among the site's files)
            self.math_font = (Path(config["docs_dir"]) / self.config.math_font,
                              Path(config["site_dir"]) / self.config.math_font)
            self.write_math_font(Path(config["site_dir"]), changed)
        for name in ("copies", "mathchars"):  # the others serve the next full build only
            self.memos[name].save(keep_unused=True)
        self.writes.table.pages = pages
        self.writes.table.save(self.memo_dir, self.salt, rows)
