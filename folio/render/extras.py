"""The files a post has beside its page, for readers: its share card and its run-it-yourself zip
(written by the render stage, see render.stage._render_one), and what they depend on beyond the
render memo's key."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..config import Project
from ..execute.result import ExecutionResult
from ..filehash import file_hashes
from ..post import Post
from . import bundle, cards, citations
from .files import write_if_changed


def dirs(project: Project) -> tuple[Path, ...]:
    """Generated (gitignored) folders in docs_dir, pruned with the other generated pages."""
    return cards.cards_dir(project.docs_dir), bundle.downloads_dir(project.docs_dir)


def write(project: Project, post: Post, result: ExecutionResult) -> list[Path]:
    # A prose edit renders the page again; the card is drawn again only if what it shows changed.
    card = cards.cards_dir(project.docs_dir) / f"{post.slug}.png"
    if cards.drawn_with(card) != cards.card_key(post):
        write_if_changed(card, cards.card_png(post))
    zipped = bundle.downloads_dir(project.docs_dir) / f"{post.slug}.zip"
    write_if_changed(zipped, bundle.build_zip(post, result, project.root, previous=zipped))
    return [card, zipped]


def digest(project: Project, post: Post) -> str:
    """The site bibliography (a page's references), the kernels/ modules and pinned versions
    its zip ships: inputs of a post's rendered files that the render memo's key leaves out."""
    bib = project.root / citations.SITE_BIB
    h = hashlib.sha256(file_hashes(project.build_dir).digest(bib) if bib.is_file() else b"")
    h.update(bundle.digest(post, project.root).encode())
    return h.hexdigest()
