"""Incremental site writes: mkdocs still reads every page, but a page whose template sees what it
saw last time is not rendered again, and a file already in build/site is not written again.

Hack, in three parts, each undone by the next build's patch (``folio_original``):

- ``clean_directory`` keeps build/site; after the build, ``prune`` removes what this build neither
  wrote nor kept, so the folder ends as a clean build leaves it (tested byte for byte).
- ``File.copy_file`` skips a static file whose source and copy have the size and modification
  time they had after its last copy.
- ``_build_page`` skips the template when the page's key is in the memo and its output file is
  the one written then (same size and modification time). The key is what every template sees
  (the navigation, the files links may point at, the theme overrides), what this page shows of
  other pages (a listing page: each post on it, by address, title, front matter, excerpt
  source, read time, authors and categories, and its pager; a post: its own entry and its
  blog's index; the front page: every post) and the page's own content, table of contents,
  title and metadata. So a prose edit to one post's body re-renders that page alone, and a
  title, date or excerpt edit that post's page and the listing pages that show it. Plugins' ``on_page_context`` still runs for
  every page (the search index and the blog's listings are collected there; both are memoized
  elsewhere).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .memo import Memo, _quietly, _toc_tree, digest, files_digest
from .patch import Table, face


def _plain(value, depth: int = 0):
    """A JSON-able picture of front matter, post configuration and author records."""
    if depth > 6:
        return repr(value)
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v, depth + 1) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, set)):
        items = [_plain(v, depth + 1) for v in value]
        return sorted(items, key=str) if isinstance(value, set) else items
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "__dict__") and not callable(value):
        return _plain({k: v for k, v in vars(value).items() if not k.startswith("_")}, depth + 1)
    return str(value)


def _nav(items) -> list:
    return [[type(i).__name__, str(i.title), getattr(i, "url", None), _nav(i.children or [])]
            for i in items]


def _listed(page, separator: str) -> list:
    """What other pages may show of ``page``: in the navigation, the neighbours' links, the blog's
    listings and the front page."""
    entry = [type(page).__name__, page.file.src_uri, page.url, str(page.title),
             _plain(page.meta)]
    if hasattr(page, "excerpt"):  # a blog post
        head = (page.markdown or "").partition(separator)
        entry += [head[0], bool(head[1]), _plain(page.config),
                  [_plain(a) for a in page.authors],
                  [[str(c.title), c.url] for c in getattr(page, "categories", [])]]
    return entry


def _overrides(config) -> list[str]:
    custom = config.theme.custom_dir
    if not custom or not os.path.isdir(custom):
        return []
    out = []
    for path in sorted(Path(custom).rglob("*")):
        if path.is_file():
            out.append(f"{path.relative_to(custom)}\0{path.read_bytes().hex()}")
    return out


class SiteWrites:
    """One build's incremental writes, installed by the folio plugin's on_config."""

    def __init__(self, pages: Memo, copies: Memo):
        self.pages, self.copies = pages, copies
        self.site_dir: Path | None = None
        self.started = 0
        self.before: set[str] = set()
        self.kept: set[str] = set()
        self.site: str | None = None  # digests computed once per build
        self.posts: str | None = None
        self.entries: dict[int, str] = {}
        self.lists: dict[int, tuple] = {}  # id -> (the list, kept alive; its digest)
        self.rendered = self.total = 0
        self.files = None  # the build's Files (set in on_env): what links may point at
        self.table = Table()  # what a page-only update needs of this build (see site.patch)

    # -- build/site kept between builds -------------------------------------------------------
    def clean_directory(self, directory: str) -> None:
        """Instead of emptying build/site: note what is there, remove it later if unused."""
        self.site_dir = Path(directory)
        self.started = time.time_ns()
        self.before = {os.path.join(top, name) for top, _, names in os.walk(directory)
                       for name in names if not name.startswith(".")}
        self.kept.clear()
        self.site = self.posts = None
        self.entries, self.lists = {}, {}
        self.rendered = self.total = 0

    def prune(self) -> int:
        """Remove what was in build/site before this build and was neither written nor kept;
        then the folders left empty. Returns how many files went."""
        gone = 0
        for name in self.before - self.kept:
            try:
                if os.stat(name).st_mtime_ns < self.started:
                    os.unlink(name)
                    gone += 1
            except FileNotFoundError:
                continue
        if gone and self.site_dir is not None:
            for d in sorted((p for p in self.site_dir.rglob("*") if p.is_dir()),
                            key=lambda p: len(p.parts), reverse=True):
                if not any(d.iterdir()):
                    d.rmdir()
        return gone

    @staticmethod
    def _stat(path: str) -> list[int] | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return [st.st_size, st.st_mtime_ns]

    # -- static files --------------------------------------------------------------------------
    def copy_file(self, copy, file, dirty: bool = False) -> None:
        src, dest = file.abs_src_path, file.abs_dest_path
        if getattr(file, "_content", None) is not None or src is None:
            return copy(file, dirty)
        key = digest(src, dest)
        was = self.copies.get(key)
        now = [self._stat(src), self._stat(dest)]
        if was is not None and now[1] is not None and list(map(list, was)) == now:
            self.copies.put(key, was)
            self.kept.add(dest)
            return None
        copy(file, dirty)
        self.copies.put(key, [self._stat(src), self._stat(dest)])
        return None

    # -- pages ---------------------------------------------------------------------------------
    def _site(self, config, doc_files, nav) -> str:
        """What every page's template sees of the site: the navigation, the files links may
        point at, the theme overrides."""
        if self.site is None:
            self.site = digest(json.dumps(_nav(nav.items)), files_digest(self.files),
                               *_overrides(config))
        return self.site

    def _entry(self, post, config) -> str:
        """A post's listing entry as a digest, computed once per build (a paginated blog
        index lists every post on each of its pages)."""
        found = self.entries.get(id(post))
        if found is None:
            found = self.entries[id(post)] = digest(json.dumps(
                _listed(post, self.separator(config)), default=str))
        return found

    def _all_posts(self, config, doc_files) -> str:
        if self.posts is None:
            self.posts = digest(*(self._entry(f.page, config) for f in doc_files
                                  if hasattr(f.page, "excerpt")))
        return self.posts

    @staticmethod
    def separator(config) -> str:
        blog = config.plugins.get("material/blog")
        return blog.config.post_excerpt_separator if blog else "<!-- more -->"

    def _shown(self, page, config, doc_files) -> str:
        """What the page shows of other pages beyond the navigation: a post its own listing
        entry and its blog's index; a listing page (blog index, archive, category) the posts on
        it; a page with its own template (the front page lists the latest posts) every post."""
        if hasattr(page, "excerpt"):
            parent = getattr(page, "parent", None)
            shown = [self._entry(page, config), [str(getattr(parent, "title", "")),
                                                 getattr(parent, "url", None)]]
        elif getattr(page, "posts", None) is not None:
            return self._listing(page, config)
        elif page.meta.get("template"):
            return self._all_posts(config, doc_files)
        else:
            shown = []
        return json.dumps(shown, default=str)

    def _listing(self, page, config) -> str:
        """A listing page shows its slice of the listing's posts (Material's blog paginates
        as ``_render`` does: ``per_page`` posts from the page's place among the listing's
        pages) and a pager made from the number of posts and the pages' addresses."""
        posts = page.posts
        pages = getattr(page, "pages", None) or []
        blog = next((p for p in config.plugins.values()
                     if getattr(p, "blog", None) is not None and hasattr(p, "_config_pagination")),
                    None)
        at = next((i for i, v in enumerate(pages) if v is page), None)
        if blog is not None and at is not None and blog._config_pagination(page):
            step = blog._config_pagination_per_page(page)
            return digest(*(self._entry(p, config) for p in posts[at * step:at * step + step]),
                          str(len(posts)), *(str(v.url) for v in pages))
        # Otherwise the whole list, once for the pages that share it.
        found = self.lists.get(id(posts))
        if found is None:
            found = self.lists[id(posts)] = (posts, digest(*(self._entry(p, config)
                                                             for p in posts)))
        return found[1]

    def page_key(self, page, config, doc_files, nav, excluded: bool, face_digest: str) -> str:
        return digest(self._site(config, doc_files, nav), self._shown(page, config, doc_files),
                      face_digest, str(excluded), page.content or "")

    def build_page(self, build, page, config, doc_files, nav, env, dirty=False, excluded=False):
        self.total += 1
        face_digest = face(page, self.separator(config), json.dumps(_plain(page.meta)),
                           json.dumps(_toc_tree(page.toc)))
        key = self.page_key(page, config, doc_files, nav, excluded, face_digest)
        dest = page.file.abs_dest_path
        was = self.pages.get(key)
        if was is not None and self._stat(dest) == list(was[:2]):
            # The template is not rendered, but plugins still see the page (search index).
            from mkdocs.commands.build import get_context

            page.active = True
            try:
                context = get_context(nav, doc_files, config, page)
                config.plugins.on_page_context(context, page=page, config=config, nav=nav)
            finally:
                page.active = False
            self.pages.put(key, was)
            self.kept.add(dest)
            self.table.add(page, face_digest, was[2] if len(was) > 2 else None, list(was[:2]))
            return
        self.rendered += 1
        if _quietly(lambda: build(page, config, doc_files, nav, env, dirty, excluded)):
            stat = self._stat(dest)
            if stat is not None:
                span = self.table.spans.pop(page.file.src_uri, None)
                self.pages.put(key, [*stat, span])
                self.table.add(page, face_digest, span, stat)


def install(writes: SiteWrites) -> None:
    """Route mkdocs' cleaning, copying and page building through ``writes`` (this build's)."""
    from mkdocs import utils
    from mkdocs.commands import build as build_mod
    from mkdocs.structure.files import File

    clean = getattr(utils.clean_directory, "folio_original", utils.clean_directory)
    copy = getattr(File.copy_file, "folio_original", File.copy_file)
    page = getattr(build_mod._build_page, "folio_original", build_mod._build_page)

    def clean_directory(directory):
        writes.clean_directory(directory)

    def copy_file(self, dirty=False):
        return writes.copy_file(copy, self, dirty)

    def build_page(*args, **kwargs):
        return writes.build_page(page, *args, **kwargs)

    clean_directory.folio_original = clean
    copy_file.folio_original = copy
    build_page.folio_original = page
    utils.clean_directory = clean_directory
    File.copy_file = copy_file
    build_mod._build_page = build_page
