"""Memos for the pure, per-page steps of the mkdocs build, kept between builds.

After a prose edit only the edited page's HTML is new; the search index entries and the read time
of every other page are looked up by a digest of exactly what they are computed from. Each memo is
one JSON file under ``build/site-memo/``; it is rewritten with only the keys the build used, so it
never grows past the site. A missing or unreadable file is an empty memo: nothing is lost but time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path


def digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


class Memo:
    def __init__(self, path: Path):
        self.path = path
        self.used: dict[str, object] = {}
        try:
            self.old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
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

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(self.used, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)


def _toc(items) -> str:
    """The parts of a page's table of contents the search index reads: ids, urls and titles."""
    return json.dumps([[i.id, i.url, i.title, _toc(i.children)] for i in items])


def memoize_search(index_cls, memo: Memo) -> None:
    """Material's SearchIndex.add_entry_from_context parses the page HTML into section entries
    (the slowest step of the site build). The entries depend only on the digested inputs."""
    add = getattr(index_cls.add_entry_from_context, "folio_original", index_cls.add_entry_from_context)

    @functools.wraps(add)
    def add_entry_from_context(self, page):
        meta = json.dumps([page.meta.get(k) for k in ("search", "title", "tags")], default=str)
        key = digest(page.url, str(page.title), meta, _toc(page.toc), page.content or "")
        entries = memo.get(key)
        if entries is None:
            start = len(self.entries)
            add(self, page)
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
