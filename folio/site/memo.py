"""Memos for the pure, per-page steps of the mkdocs build, kept between builds.

After a prose edit only the edited page's HTML is new; the Markdown conversion, the search index
entries and the read time of every other page are looked up by a digest of exactly what they are
computed from. Each memo is one file under ``build/site-memo/``; it is rewritten with only the keys the build used, so it
never grows past the site. A missing or unreadable file is an empty memo: nothing is lost but time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import marshal
from pathlib import Path

from mkdocs.structure.toc import AnchorLink, TableOfContents

from ..render.files import write_atomic
from .blog_speed import relpath_files


def digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


class Memo:
    """One file of results by digest, in marshal format (JSON-like values; five times faster to
    read and write than JSON, which matters at a megabyte of page HTML). ``salt`` names
    everything the results also depend on (the Python and package versions, mkdocs.yml, folio's
    plugin code): a file written under another salt is ignored, so an upgrade or a config edit
    starts the memo afresh."""

    def __init__(self, path: Path, salt: str):
        self.path, self.salt = path, salt
        self.used: dict[str, object] = {}
        try:
            file_salt, entries = marshal.loads(path.read_bytes())
            self.old = entries if file_salt == salt and isinstance(entries, dict) else {}
        except (OSError, ValueError, EOFError, TypeError):
            self.old = {}

    def get(self, key: str):
        if key in self.used:
            return self.used[key]
        if key in self.old:
            self.used[key] = self.old[key]
            return self.old[key]
        return None

    def put(self, key: str, value) -> None:
        self.used[key] = value

    def save(self, *, keep_unused: bool = False) -> None:
        """Keeps the keys this build used, and only those (``keep_unused``: and the others
        too, after a build that saw only part of the site); unchanged, the file is not
        rewritten."""
        if keep_unused:
            same, entries = not self.used.keys() - self.old.keys(), {**self.old, **self.used}
        else:
            same, entries = self.used.keys() == self.old.keys(), self.used
        if same and self.path.is_file():
            return
        write_atomic(self.path, marshal.dumps((self.salt, entries)))


def memoized(fn, memo: Memo):
    """``fn`` (a pure function of one string) looked up in ``memo`` first."""
    @functools.wraps(fn)
    def lookup(text: str):
        key = digest(text)
        out = memo.get(key)
        if out is None:
            out = fn(text)
            memo.put(key, out)
        return out
    return lookup


def _toc(items) -> str:
    """The parts of a page's table of contents the search index reads: ids, urls and titles."""
    return json.dumps([[i.id, i.url, i.title, _toc(i.children)] for i in items])


def memoize_search(index_cls, memo: Memo, wrap=lambda add: add) -> None:
    """Material's SearchIndex.add_entry_from_context parses the page HTML into section entries
    (0.45 s a build before this memo). The entries depend only on the digested inputs."""
    add = getattr(index_cls.add_entry_from_context, "folio_original", index_cls.add_entry_from_context)
    convert = wrap(add)  # what a miss runs: the original, with whatever ``wrap`` adds

    @functools.wraps(add)
    def add_entry_from_context(self, page):
        meta = json.dumps([page.meta.get(k) for k in ("search", "title", "tags")], default=str)
        key = digest(page.url, str(page.title), meta, _toc(page.toc), page.content or "")
        entries = memo.get(key)
        if entries is None:
            start = len(self.entries)
            convert(self, page)
            entries = self.entries[start:]
            memo.put(key, entries)
        else:
            self.entries.extend(dict(e) for e in entries)

    add_entry_from_context.folio_original = add
    index_cls.add_entry_from_context = add_entry_from_context


def memoize_readtime(blog_module, memo: Memo) -> None:
    """The blog's read time parses each post's HTML; it depends on the HTML and the speed only."""
    readtime = getattr(blog_module.readtime, "folio_original", blog_module.readtime)

    @functools.wraps(readtime)
    def memo_readtime(html: str, words_per_minute: int):
        key = digest(html, str(words_per_minute))
        minutes = memo.get(key)
        if minutes is None:
            minutes = readtime(html, words_per_minute)
            memo.put(key, minutes)
        return minutes

    memo_readtime.folio_original = readtime
    blog_module.readtime = memo_readtime


def _toc_tree(items) -> list:
    return [[i.title, i.id, i.level, _toc_tree(i.children)] for i in items]


def _toc_items(tree: list) -> list:
    items = []
    for title, id_, level, children in tree:
        link = AnchorLink(title, id_, level)
        link.children = _toc_items(children)
        items.append(link)
    return items


class _Logged(logging.Handler):
    """Counts what mkdocs says during one conversion: a page that warned is not memoized, so the
    warning (an error under --strict) comes back on every build until it is fixed."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record) -> None:
        self.count += 1


_FILES: dict[tuple[int, int], str] = {}


def files_digest(files) -> str:
    """Which files there are and where they are published: what links on a page resolve to.
    Kept for the one Files object a build has (and its length, as plugins append to it)."""
    key = (id(files), len(files))
    if key not in _FILES:
        _FILES.clear()
        _FILES[key] = digest(*(f"{f.src_uri}\t{f.url}" for f in files))
    return _FILES[key]


def _quietly(convert) -> bool:
    """Run ``convert``; True when mkdocs said nothing meanwhile (its result may be memoized)."""
    logged = _Logged()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(logged)
    try:
        convert()
    finally:
        logger.removeHandler(logged)
    return not logged.count


def memoize_render(page_cls, memo: Memo) -> None:
    """mkdocs' Page.render converts a page's Markdown to HTML: most of the site build, since code
    blocks are highlighted here. Its results (HTML, table of contents, title, anchors, links to
    anchors) depend on the Markdown, where the page is published and which files links may
    point at (and the memo's salt)."""
    render = getattr(page_cls.render, "folio_original", page_cls.render)

    @functools.wraps(render)
    def memo_render(self, config, files):
        key = digest(files_digest(files), self.file.src_uri, self.file.url,
                     self.markdown or "")
        hit = memo.get(key)
        if hit is not None:
            self.content, self._title_from_render = hit["content"], hit["title"]
            self.toc = TableOfContents(_toc_items(hit["toc"]))
            self.present_anchor_ids = set(hit["anchors"])
            links = {files.get_file_from_path(uri): dict(v) for uri, v in hit["links"].items()}
            self.links_to_anchors = links if None not in links else None
            if self.links_to_anchors is not None:
                return
        if _quietly(lambda: render(self, config, files)):
            memo.put(key, {"content": self.content, "title": self._title_from_render,
                           "toc": _toc_tree(self.toc), "anchors": sorted(self.present_anchor_ids),
                           "links": {f.src_uri: v for f, v in (self.links_to_anchors or {}).items()}})

    memo_render.folio_original = render
    page_cls.render = memo_render


def memoize_excerpt(excerpt_cls, memo: Memo) -> None:
    """Material's blog converts each post's excerpt again for every listing it appears in (the
    index, the archive, each category). The HTML depends on the excerpt's Markdown, the post's
    title and address, the listing's address and the files links may point at."""
    render = getattr(excerpt_cls.render, "folio_original", excerpt_cls.render)

    @functools.wraps(render)
    def memo_render(self, page, separator):
        post = self.post
        head, sep, _ = post.markdown.partition(separator)
        files = relpath_files(self)
        key = digest(files_digest(files), page.url, post.url, post.file.src_uri, str(post.title),
                     str(post._title_from_render), separator, sep, head)
        hit = memo.get(key)
        if hit is not None:
            self.content, self.more = hit["content"], hit["more"]
            self.toc = TableOfContents(_toc_items(hit["toc"]))
            return
        if _quietly(lambda: render(self, page, separator)):
            memo.put(key, {"content": self.content, "more": self.more,
                           "toc": _toc_tree(self.toc)})

    memo_render.folio_original = render
    excerpt_cls.render = memo_render
