"""A page-only site update. When what changed since the last site build is pages whose face (what
the rest of the site shows of them) is as it was, and static files, the worker rewrites those
pages' HTML, their search-index entries and feed items, and copies the static files, instead of
taking every page of the site through mkdocs again. A prose edit to one post of 500 costs one
page.

The last site build leaves, in build/site-memo/ (see ``Table``, written by the folio plugin):
every file of the site with its source and destination; for each page its face digest, its
anchors, and where its content sits in its HTML file (offset, length and digest, and the file's
size and time as written); and the feed's items as the RSS plugin collected them.

A page is patched when its face digest (title, front matter, table of contents, and for a post
its excerpt and its post settings with the read time) and its anchors are unchanged, its links
to other pages' anchors resolve, converting it logged nothing, and its HTML file is the one the
last build wrote. Its new content replaces the old in that file: the theme's template inserts
``page.content`` as it is, and whatever else the page shows is in its face. Anything else (a
file came or went, mkdocs.yml, a theme override, a page whose face changed) is a full build, as
before. Either way the site has the bytes a full build writes (tested, and checked at 500 posts
by the scale benchmark).
"""

from __future__ import annotations

import json
import logging
import marshal
import os
from dataclasses import replace
from email.utils import format_datetime
from pathlib import Path

from jinja2 import (Environment, FileSystemBytecodeCache, FileSystemLoader,
                    select_autoescape)

from ..render.files import write_atomic
from .memo import digest
from .feed import ITEM
from .splice import PatchFailed, replace_json_item, splice_entries, splice_item

log = logging.getLogger("mkdocs.plugins.folio")
TABLE = "patch.marshal"
KNOWN_PLUGINS = {"material/search", "folio", "material/blog", "rss"}


def face(page, separator: str, meta_json: str, toc_json: str) -> str:
    """What other pages show of ``page``, and what its own HTML shows outside its content."""
    parts = [type(page).__name__, page.file.src_uri, page.url, str(page.title), meta_json,
             toc_json]
    if hasattr(page, "excerpt"):  # a blog post: its excerpt and settings appear in listings
        from .writes import _plain

        head, sep, _ = (page.markdown or "").partition(separator)
        parts += [head, sep, json.dumps(_plain(page.config), default=str)]
    return digest(*parts)


def content_span(output: str, content: str | None) -> list | None:
    """Where ``content`` sits in a page's HTML, if exactly once."""
    if not content:
        return None
    at = output.find(content)
    if at < 0 or output.find(content, at + 1) >= 0:
        return None
    return [at, len(content), digest(content)]


class Table:
    """What a page-only update needs of the last build, collected as mkdocs builds."""

    def __init__(self):
        self.pages: dict[str, list] = {}
        self.spans: dict[str, list | None] = {}  # set in on_post_page, for pages rendered

    def add(self, page, face_digest: str, span, stat) -> None:
        self.pages[page.file.src_uri] = [face_digest, sorted(page.present_anchor_ids or ()),
                                         span, stat]

    def save(self, folder: Path, salt: str, rows) -> None:
        write_atomic(folder / TABLE, marshal.dumps((salt, rows, self.pages)))


def file_rows(files) -> list:
    """Each file of the site as the table keeps it."""
    return [[f.src_uri, f.dest_uri, f.url, f.abs_src_path, f.abs_dest_path,
             int(f.inclusion.value)] for f in files]


def _load(folder: Path, salt: str):
    try:
        file_salt, rows, pages = marshal.loads((folder / TABLE).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return (rows, pages) if file_salt == salt else None


def _files(rows, config):
    """The site's Files as the last build had them. (Hack: each File's attributes set
    directly: File() normalizes its path, a third of this on 2,000 files.)"""
    from mkdocs.structure.files import File, Files, InclusionLevel

    levels = {int(v.value): v for v in InclusionLevel}
    out = []
    common = {"src_dir": None, "dest_dir": config.site_dir,
              "use_directory_urls": config.use_directory_urls}
    for src_uri, dest_uri, url, abs_src, abs_dest, inclusion in rows:
        f = object.__new__(File)
        f.__dict__.update(common, src_uri=src_uri, dest_uri=dest_uri, url=url,
                          abs_src_path=abs_src, abs_dest_path=abs_dest,
                          inclusion=levels[inclusion])
        out.append(f)
    return Files(out)


def _site_changed(rows, pages: dict) -> str | None:
    """A file of the built site that is missing, or a page whose file is not the one the last
    build wrote (build/site deleted, or edited by hand): only a full build puts it right."""
    for src_uri, _, _, _, dest, inclusion in rows:
        if inclusion <= -2:  # excluded, or a draft: not written
            continue
        page = pages.get(src_uri)
        try:
            st = os.stat(dest)
        except OSError:
            return dest
        if page is not None and page[3] is not None and [st.st_size, st.st_mtime_ns] != page[3]:
            return dest
    return None


class _Warned(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record) -> None:
        self.count += 1


class Patch:
    """One page-only update over a loaded mkdocs config; ``prepare`` decides (writing nothing),
    ``write`` writes."""

    def __init__(self, config, root: Path, changed: list[str]):
        self.config, self.root, self.changed = config, root, changed
        self.why = ""

    def _no(self, why: str) -> None:
        """Not patchable, and why (a full build follows)."""
        self.why = why
        return None

    def _refuse(self, why: str) -> bool:
        self._no(why)
        return False

    def prepare(self) -> bool:
        cfg = self.config
        names = set(cfg.plugins.keys())
        if names != KNOWN_PLUGINS:
            return self._refuse(f"plugins other than {sorted(KNOWN_PLUGINS)}")
        folio = cfg.plugins["folio"]
        if folio.memos is None:
            return self._refuse("no memo folder")
        table = _load(folio.memo_dir, folio.salt)
        if table is None:
            return self._refuse("no record of the last build under this configuration")
        self.rows, self.pages = table
        rows = self.rows
        touched = _site_changed(rows, self.pages)
        if touched:
            return self._refuse(f"{touched} is not as the last build left it")
        by_source = {os.path.normpath(r[3]): i for i, r in enumerate(rows) if r[3]}
        wanted = []
        for rel in self.changed:
            i = by_source.get(os.path.normpath(self.root / rel))
            if i is None:
                return self._refuse(f"{rel} is not a file of the site")
            wanted.append(i)
        cfg.plugins.on_startup(command="build", dirty=False)
        self.config = cfg = cfg.plugins.on_config(cfg)
        self.files = _files(rows, cfg)
        files = list(self.files)
        for i in wanted:  # a theme override or a file only folio reads: every page may change
            if not files[i].inclusion.is_included():
                return self._refuse(f"{files[i].src_uri} is not published as it is")
        self.statics = [files[i] for i in wanted if not files[i].is_documentation_page()]
        self.new = []
        warned = _Warned()
        logging.getLogger("mkdocs").addHandler(warned)
        try:
            for f in (files[i] for i in wanted if files[i].is_documentation_page()):
                page = self._page(f)
                if page is None:
                    return False
                self.new.append(page)
        finally:
            logging.getLogger("mkdocs").removeHandler(warned)
        if warned.count:
            return self._refuse("converting a changed page logged a warning")
        return True

    def _page(self, f):
        """The changed page as the full build would have it before its template: read,
        converted, with its read time, its search entries and its feed item."""
        from material.plugins.blog.structure import Post
        from mkdocs.structure.pages import Page

        from .memo import _toc_tree
        from .writes import _plain

        cfg, plugins = self.config, self.config.plugins
        old = self.pages.get(f.src_uri)
        if old is None or old[2] is None or old[3] is None:
            return self._no(f"{f.src_uri}: no record of where its content is")
        blog = plugins["material/blog"]
        is_post = f.src_uri.startswith(blog.config.blog_dir.rstrip("/") + "/posts/")
        if is_post:
            page = Post(f, cfg)
        else:
            page = Page(None, f, cfg)
            page.read_source(cfg)
        if page.meta.get("template") == "home.html" or getattr(page, "posts", None) is not None:
            return self._no(f"{f.src_uri} lists other pages")
        page.render(cfg, self.files)
        html = plugins["folio"].on_page_content(page.content, page=page, config=cfg,
                                                files=self.files)
        page.content = html
        if is_post and blog.config.post_readtime and not page.config.readtime:
            import material.plugins.blog.plugin as blog_module

            wpm = blog.config.post_readtime_words_per_minute
            page.config.readtime = blog_module.readtime(html, wpm)
        rss = plugins["rss"]
        rss.pages_to_filter = []
        rss.on_page_content(html, page=page, config=cfg, files=self.files)
        page.feed_item = rss.pages_to_filter[0] if rss.pages_to_filter else None
        new_face = face(page, blog.config.post_excerpt_separator,
                        json.dumps(_plain(page.meta)), json.dumps(_toc_tree(page.toc)))
        if new_face != old[0]:
            return self._no(f"{f.src_uri}: its title, front matter, headings or excerpt changed")
        if sorted(page.present_anchor_ids) != old[1]:
            return self._no(f"{f.src_uri}: its anchors changed")
        for target, anchors in (page.links_to_anchors or {}).items():
            if not target.is_documentation_page():
                continue  # as mkdocs: anchors are checked on pages only (an image's #only-light)
            there = self.pages.get(target.src_uri)
            have = set(page.present_anchor_ids) if target.src_uri == f.src_uri else (
                set(there[1]) if there else None)
            missing = sorted(a for a in anchors if have is None or a not in have)
            if missing:
                return self._no(f"{f.src_uri}: its link to {target.src_uri}#{missing[0]} does "
                                "not resolve")
        # The search index: the plugins' on_page_context as the full build runs them.
        plugins["folio"].on_page_context({}, page=page, config=cfg, nav=None)
        search = plugins["material/search"]
        start = len(search.search_index.entries)
        search.on_page_context({}, page=page, config=cfg, nav=None)
        page.search_entries = search.search_index.entries[start:]
        return page

    def write(self) -> int:
        """Write the patched pages, the search index, the feeds, the static files; returns the
        number of files written."""
        cfg, folio = self.config, self.config.plugins["folio"]
        site = Path(cfg.site_dir)
        written = 0
        for f in self.statics:
            f.copy_file()
            written += 1
        for page in self.new:
            written += self._splice(page)
        if self.new:
            written += self._search(site)
            written += self._feed()
        folio.after_patch(cfg, self.rows, self.pages,
                          {f.abs_dest_path for f in [*self.statics, *(p.file for p in self.new)]})
        return written

    def _splice(self, page) -> int:
        face_digest, anchors, (at, length, was), stat = self.pages[page.file.src_uri]
        dest = page.file.abs_dest_path
        st = os.stat(dest)
        if [st.st_size, st.st_mtime_ns] != stat:
            raise PatchFailed(f"{dest} changed since the last build")
        text = Path(dest).read_bytes().decode("utf-8")
        if digest(text[at:at + length]) != was:
            raise PatchFailed(f"{dest}: the page's content is not where the last build left it")
        content = page.content
        out = text[:at] + content + text[at + length:]
        write_atomic(Path(dest), out.encode("utf-8", errors="xmlcharrefreplace"))
        st = os.stat(dest)
        self.pages[page.file.src_uri] = [face_digest, anchors,
                                         [at, len(content), digest(content)],
                                         [st.st_size, st.st_mtime_ns]]
        return 1

    def _search(self, site: Path) -> int:
        """The patched pages' entries in place of their old ones, in the index's text: Material
        writes the index with one ``json.dumps``, which writes each entry as it would alone."""
        path = site / "search" / "search_index.json"
        text = path.read_text(encoding="utf-8")
        for page in self.new:
            text = splice_entries(text, page.url, page.search_entries, page.file.src_uri)
        write_atomic(path, text.encode("utf-8"))
        return 1

    def _feed(self) -> int:
        """Each patched post's item in place of its old one in the RSS and JSON feeds (a post
        not among the feed's newest is in neither). The item is rendered by the RSS plugin's
        own template and fixed as the folio plugin fixes items; its dates are those of its front
        matter, which did not change, so its place in each feed is the same."""
        cfg, rss, folio = self.config, self.config.plugins["rss"], self.config.plugins["folio"]
        if not rss.config.pretty_print:
            raise PatchFailed("the RSS plugin's feed is not pretty-printed")
        env = Environment(autoescape=select_autoescape(["html", "xml"]),
                          loader=FileSystemLoader(rss.tpl_folder),
                          bytecode_cache=FileSystemBytecodeCache(str(folio.memo_dir / "jinja")))
        template = env.get_template(rss.tpl_file.name)
        names = rss.config.feeds_filenames
        site = Path(cfg.site_dir)
        written = 0
        for page in self.new:
            item = page.feed_item
            if item is None:
                continue
            item.image = rss.util.get_image(in_page=item._mkdocs_page_ref, base_url=cfg.site_url)
            for feed, when, xml_name, json_name in (
                    (rss.feed_created, item.created, names.rss_created, names.json_created),
                    (rss.feed_updated, item.updated, names.rss_updated, names.json_updated)):
                item.pub_date = format_datetime(dt=when)
                one = replace(feed, entries=[item])
                if rss.config.rss_feed_enabled:
                    block = ITEM.search(template.render(feed=one)).group(0)
                    written += splice_item(site / xml_name, item.guid, folio.fix_item(block))
                if rss.config.json_feed_enabled:
                    written += replace_json_item(site / json_name,
                                                  rss.util.feed_to_json(one)["items"][0])
        return written
