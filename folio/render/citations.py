"""Citations: MyST ``{cite}`key``` roles in a post's prose, resolved against BibTeX, and the
References section they link to.

The site's bibliography is ``site_src/references.bib``; a post may add its own
``posts/<slug>/references.bib``. pybtex parses both and formats the entries (its ``unsrt`` style:
numbered in order of first citation, each entry with its DOI or URL as a link). Errors name the
file and line: an unknown key (the post's line), a key defined twice, an entry missing a field its
type requires, a file pybtex cannot parse (the .bib file's line). Warnings (``lint``): an entry of
the post's own bibliography that the post never cites, and a cited entry with neither a DOI nor a
URL (its References entry would have no link).

    {cite}`purcell1977`            -> [1]
    {cite}`purcell1977,lauga2009`  -> [1, 2]
    {cite:t}`purcell1977`          -> Purcell [1]

A citation is a plain link to ``#ref-<key>``, so it reads the same in the feed and without
JavaScript; ``assets/preview.js`` shows the entry when the link is hovered or focused.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import PostError
from ..blocks import ADMONITIONS, FENCE, _close
from ..post import Post

CITE = re.compile(r"\{cite(?::(?P<mode>[pt]))?\}`(?P<keys>[^`]*)`")
SITE_BIB = Path("site_src") / "references.bib"
POST_BIB = "references.bib"
_ENTRY_HEAD = re.compile(r"^[ \t]*@(?P<type>[A-Za-z]+)[ \t]*[{(][ \t]*(?P<key>[^,\s]+)[ \t]*,", re.M)


@dataclass(frozen=True, eq=False)
class Source:
    """One BibTeX entry and where it was written; one object per entry of each version of its
    file (see ``_load_bib``), so compared and hashed by identity."""

    key: str
    entry: object  # pybtex.database.Entry
    file: Path
    line: int


@dataclass(frozen=True)
class Cited:
    number: int
    source: Source
    html: str  # the formatted entry, as HTML
    markdown: str  # the same, as Markdown (for notebooks)
    short: str  # authors' surnames, for {cite:t}


def anchor(key: str) -> str:
    return "ref-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key)


def _lines(text: str) -> dict[str, list[int]]:
    """Each key's definition lines, for messages (pybtex keeps no positions). Not a parser:
    pybtex has accepted the file when this runs."""
    out: dict[str, list[int]] = {}
    for m in _ENTRY_HEAD.finditer(text):
        if m["type"].lower() in ("comment", "preamble", "string"):
            continue
        out.setdefault(m["key"], []).append(text.count("\n", 0, m.start()) + 1)
    return out


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def load_bib(path: Path, root: Path) -> dict[str, Source]:
    """Every entry of one .bib file; an error naming the file and line if it cannot be used.
    Parsed once per version of the file (a build renders many posts citing the same one)."""
    st = path.stat()
    return _load_bib(path, root, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=32)
def _load_bib(path: Path, root: Path, mtime_ns: int, size: int) -> dict[str, Source]:
    from pybtex.database import BibliographyDataError, parse_string
    from pybtex.scanner import PybtexSyntaxError

    where = _display(path, root)
    text = path.read_text(encoding="utf-8")
    lines = _lines(text)
    for key, at in lines.items():
        if len(at) > 1:
            raise PostError(f"bibliography key {key!r} is defined twice (first on line {at[0]})",
                            file=where, line=at[1], hint="remove one of them, or give it another key")
    try:
        data = parse_string(text, "bibtex")  # pybtex is strict by default: errors raise
    except PybtexSyntaxError as exc:
        raise PostError(f"BibTeX {exc.error_type}: {exc.args[0] if exc.args else exc}",
                        file=where, line=exc.lineno,
                        hint="each entry is @type{key, field = {value}, ...}") from None
    except BibliographyDataError as exc:
        raise PostError(f"the bibliography cannot be read: {exc}", file=where,
                        hint="see the BibTeX entry named above") from None
    return {key: Source(key, entry, path, (lines.get(key) or [None])[0])
            for key, entry in data.entries.items()}


def bibliography(post: Post, root: Path) -> tuple[dict[str, Source], dict[str, Source]]:
    """(every entry the post can cite, the post's own entries)."""
    site_file = root / SITE_BIB
    site = load_bib(site_file, root) if site_file.is_file() else {}
    own_file = post.dir / POST_BIB
    own = load_bib(own_file, root) if own_file.is_file() else {}
    for key, src in own.items():
        if key in site:
            raise PostError(f"bibliography key {key!r} is already defined in {SITE_BIB} "
                            f"(line {site[key].line})", file=_display(own_file, root), line=src.line,
                            hint="cite the site's entry and remove this one, or rename it")
    return {**site, **own}, own


def _prose_lines(post: Post):
    """(line number, text) of every prose line outside fenced code in the post's markdown cells."""
    for cell in post.cells:
        if cell.kind != "markdown":
            continue
        lines = cell.source.splitlines()
        i = 0
        while i < len(lines):
            m = FENCE.match(lines[i].strip())
            if m and m["directive"] not in ADMONITIONS:  # code and math; admonitions hold prose
                end = _close(lines, i + 1, m["fence"])
                i = (end if end > 0 else len(lines)) + 1
                continue
            yield cell.line + i, lines[i]
            i += 1


def _surnames(entry) -> str:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    last = [" ".join(p.last_names) for p in people]
    if not last:
        return entry.fields.get("organization") or entry.fields.get("title", "")
    if len(last) == 1:
        return last[0]
    if len(last) == 2:
        return f"{last[0]} and {last[1]}"
    return f"{last[0]} et al."


@functools.lru_cache(maxsize=1)
def _pybtex():
    """pybtex's unsrt style and its HTML and Markdown backends. Hack: the classes are passed in,
    not named: pybtex finds a named plugin by scanning every installed package's entry points,
    which took a second per post."""
    from pybtex.backends.html import Backend as Html
    from pybtex.backends.markdown import Backend as Markdown
    from pybtex.style.formatting.unsrt import Style
    from pybtex.style.labels.number import LabelStyle
    from pybtex.style.names.plain import NameStyle
    from pybtex.style.sorting.none import SortingStyle

    style = Style(label_style=LabelStyle, name_style=NameStyle, sorting_style=SortingStyle)
    return style, Html(), Markdown()


def _format(sources: list[Source], root: Path) -> list[tuple[str, str]]:
    return [_format_one(src, root) for src in sources]


@functools.lru_cache(maxsize=4096)
def _format_one(src: Source, root: Path) -> tuple[str, str]:
    """The entry as HTML and as Markdown; once per process (a post's page and its notebook,
    and every post citing the entry, format it alike)."""
    from pybtex.style.template import FieldIsMissing

    style, as_html, as_md = _pybtex()
    try:
        formatted = next(iter(style.format_entries([src.entry])))
    except FieldIsMissing as exc:
        raise PostError(f"bibliography entry {src.key!r} ({src.entry.type}) has no "
                        f"{exc.field_name}, which its type requires",
                        file=_display(src.file, root), line=src.line,
                        hint=f"add {exc.field_name} = {{...}} to the entry") from None
    return (" ".join(formatted.text.render(as_html).split()),
            " ".join(formatted.text.render(as_md).split()))


@dataclass(frozen=True)
class Citations:
    """What a post cites, numbered in order of first citation."""

    cited: dict[str, Cited]

    def role(self, m: re.Match) -> str:
        keys = [k.strip() for k in m["keys"].split(",") if k.strip()]
        # Markdown links, not raw HTML: Material rewrites a Markdown anchor in an excerpt to
        # point at the post, so a citation before the excerpt marker works on the blog index.
        links = ", ".join(f"[{self.cited[k].number}](#{anchor(k)}){{ .folio-cite }}" for k in keys)
        text = f"\\[{links}\\]"
        if m["mode"] == "t":
            names = "; ".join(html.escape(self.cited[k].short) for k in keys)
            text = f"{names} {text}"
        return text

    def substitute(self, markdown: str) -> str:
        """The roles in rendered Markdown replaced by links (fenced code left alone)."""
        if not self.cited:
            return markdown
        lines, out, i = markdown.splitlines(keepends=True), [], 0
        while i < len(lines):
            m = FENCE.match(lines[i].strip())
            if m and not m["directive"]:
                end = _close(lines, i + 1, m["fence"])
                end = end if end > 0 else len(lines) - 1
                out.extend(lines[i:end + 1])
                i = end + 1
                continue
            out.append(CITE.sub(self.role, lines[i]))
            i += 1
        return "".join(out)

    def notebook_section(self) -> str:
        """The References section as a Markdown cell."""
        return "## References\n\n" + "\n".join(f"{c.number}. {c.markdown}" for c in self.cited.values())

    def section(self) -> str:
        """The References section: a Markdown heading (it joins the table of contents) and a
        numbered list whose items are the citations' targets."""
        if not self.cited:
            return ""
        items = "\n".join(f'<li id="{anchor(c.source.key)}" value="{c.number}">{c.html}</li>'
                          for c in self.cited.values())
        return f"## References\n\n<ol class=\"folio-references\">\n{items}\n</ol>"


def collect(post: Post, root: Path) -> Citations:
    """Resolve every {cite} role of the post; an unknown key is an error naming its line."""
    uses: list[tuple[str, int]] = []
    for lineno, text in _prose_lines(post):
        for m in CITE.finditer(text):
            keys = [k.strip() for k in m["keys"].split(",")]
            if not all(keys):
                raise PostError(f"empty key in {m.group(0)}", file=post.path, line=lineno,
                                hint="write {cite}`key` or {cite}`key1,key2`")
            uses.extend((k, lineno) for k in keys)
    if not uses:
        return Citations({})
    sources, _ = bibliography(post, root)
    for key, lineno in uses:
        if key not in sources:
            near = [k for k in sources if k.lower().startswith(key.lower()[:4])][:5]
            raise PostError(f"citation of unknown bibliography key {key!r}", file=post.path,
                            line=lineno,
                            hint=f"add an entry with this key to {SITE_BIB} or to "
                                 f"posts/{post.slug}/{POST_BIB}"
                                 + (f" (similar keys: {', '.join(near)})" if near else ""))
    order = list(dict.fromkeys(k for k, _ in uses))
    formatted = _format([sources[k] for k in order], root)
    return Citations({k: Cited(n, sources[k], h, m, _surnames(sources[k].entry))
                      for n, (k, (h, m)) in enumerate(zip(order, formatted), 1)})


def _cited_keys(post: Post) -> list[str]:
    """The keys the post cites, in order of first citation."""
    keys = (k.strip() for _, t in _prose_lines(post) for m in CITE.finditer(t)
            for k in m["keys"].split(","))
    return list(dict.fromkeys(k for k in keys if k))


LINK_FIELDS = ("doi", "url")


def has_link(entry) -> bool:
    """Whether the References section shows the entry with a link: a DOI or a URL."""
    return any(entry.fields.get(f, "").strip() for f in LINK_FIELDS)


def lint(post: Post, root: Path) -> list[str]:
    """Warnings: entries of the post's own bibliography that it never cites, and cited entries
    with neither a DOI nor a URL (the References section would list them without a link)."""
    cited = _cited_keys(post)
    if not cited and not (post.dir / POST_BIB).is_file():
        return []
    try:
        sources, own = bibliography(post, root)
    except PostError:
        return []  # reported as an error when the page renders
    out = [f"{_display(src.file, root)}:{src.line}: bibliography entry {key!r} is never cited "
           f"in posts/{post.slug}/index.md (cite it with {{cite}}`{key}` or remove it)"
           for key, src in own.items() if key not in cited]
    out += [f"{_display(src.file, root)}:{src.line}: bibliography entry {key!r}, cited in "
            f"posts/{post.slug}/index.md, has no doi or url: its References entry has no link "
            f"(add doi = {{...}} or url = {{...}} to the entry)"
            for key in cited if (src := sources.get(key)) is not None and not has_link(src.entry)]
    return out


def numbers(post: Post) -> dict[str, int]:
    """Each cited key's number (order of first citation), without reading the bibliography."""
    return {k: n for n, k in enumerate(_cited_keys(post), 1)}


def plain(markdown: str, numbers: dict[str, int]) -> str:
    """Roles as plain "[n]" text, for notebooks (Jupyter has no {cite} role)."""
    def role(m):
        keys = [k.strip() for k in m["keys"].split(",") if k.strip()]
        return "[" + ", ".join(str(numbers.get(k, "?")) for k in keys) + "]"
    return CITE.sub(role, markdown)
