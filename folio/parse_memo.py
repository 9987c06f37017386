"""Parsed posts kept between builds: reading 500 posts' front matter, blocks, math and prose
checks took 0.7 s of every build, though an edit changes one post.

A post is looked up by the digest of everything ``read_post`` reads: its index.md bytes, the
names of its modules (``check_modules``), the site's author ids, the interpreter and the code of
folio's parser. A post that does not parse is not kept, so its error comes back on every build.
The memo file (``build/parse.pickle``) is rewritten only when an entry was added or dropped,
holds only the posts this build read, and is ignored when unreadable. A process that builds
more than once (``folio serve``) keeps what it last read or wrote in memory, and uses it while
the file is the one it read or wrote (its inode, size and time): unpickling 500 posts was a
tenth of a live preview's rebuild.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path

from .config import PostFolder
from .filehash import file_hashes
from .post import Post
from .render.files import write_atomic

_HERE = Path(__file__).resolve().parent
# The modules whose code decides what a Post holds.
_PARSER = ("parse.py", "frontmatter.py", "blocks.py", "inline.py", "texcheck.py", "yaml_read.py",
           "yaml_fast.py", "post.py", "parse_memo.py")


def _parser_digest() -> bytes:
    h = hashlib.sha256(sys.version.encode())
    for name in _PARSER:
        h.update(name.encode() + b"\0" + (_HERE / name).read_bytes())
    return h.digest()


# path -> (the file's inode, size and time; salt; entries) as this process last read or wrote it
_RESIDENT: dict[str, tuple[tuple[int, int, int], str, dict]] = {}


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


class ParseMemo:
    def __init__(self, path: Path, authors: set[str] | None, lock_file: Path):
        self.path = path
        lock = lock_file.read_bytes() if lock_file.is_file() else b""  # what is installed
        self.salt = hashlib.sha256(_parser_digest() + lock + repr(sorted(authors)
                                   if authors is not None else None).encode()).hexdigest()
        self.used: dict[str, Post] = {}
        kept, now = _RESIDENT.get(str(path)), _signature(path)
        if kept is not None and now is not None and kept[0] == now:
            self.old = kept[2] if kept[1] == self.salt else {}
            return
        try:
            salt, entries = pickle.loads(path.read_bytes())
            self.old = entries if salt == self.salt and isinstance(entries, dict) else {}
        except Exception:  # noqa: BLE001 - any unreadable memo is an empty one
            self.old = {}
            return
        if now is not None and isinstance(entries, dict):
            _RESIDENT[str(path)] = (now, salt, entries)

    def key(self, path: Path, folder: PostFolder | None = None) -> str:
        """``folder``: the post's folder as ``Project.post_folders`` just found it."""
        if folder is None:
            with os.scandir(path.parent) as entries:
                names = [e.name for e in entries]
            stat = None
        else:
            names, stat = folder.names, folder.stat
        modules = sorted(n for n in names if n.endswith(".py"))
        # index.md's bytes by their digest, read again only when the file changed (filehash)
        h = hashlib.sha256(str(path).encode() + b"\0"
                           + file_hashes(self.path.parent).digest(path, stat))
        h.update("\0".join(modules).encode())
        return h.hexdigest()

    def read(self, path: Path, parse, folder: PostFolder | None = None) -> Post:
        """The post at ``path``, from the memo or parsed now by ``parse(path)``."""
        key = self.key(path, folder)
        post = self.old.get(key) or self.used.get(key)
        if post is None or not isinstance(post, Post):
            post = parse(path)
        self.used[key] = post
        return post

    def save(self) -> None:
        if self.used.keys() != self.old.keys():
            write_atomic(self.path, pickle.dumps((self.salt, self.used), protocol=pickle.HIGHEST_PROTOCOL))
            now = _signature(self.path)
            if now is not None:
                _RESIDENT[str(self.path)] = (now, self.salt, dict(self.used))
