"""Read ``posts/<slug>/index.md`` into a Post: front matter, cells, labeled equations.

The body is MyST Markdown as jupytext writes it (``md:myst``): ``{code-cell}`` fences are code
cells, ``+++`` separates markdown cells, ``{math}`` fences with a ``:label:`` are display
equations. Every display equation must be labeled; inline ``$...$`` math is free. The body is
parsed once into blocks (``folio.blocks``); markdown cells carry theirs, and rendering walks
them instead of scanning the prose again.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import sys
from pathlib import Path

from . import frontmatter, inline
from .blocks import Block, paragraphs, scan, split_lines, walk
from .errors import PostError
from .inline import EQ_BODY, GLUE_BODY
from .post import Cell, Equation, Post
from .texcheck import TexProblem, check_tex

LABEL = EQ_BODY


def read_text(path: Path) -> str:
    """The file as text; not UTF-8 is an error naming the line and byte."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PostError(f"cannot read the file: {exc.strerror or exc}", file=path,
                        hint="check that it exists and is readable") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PostError(f"the file is not UTF-8: byte 0x{data[exc.start]:02x} at byte offset "
                        f"{exc.start} (line {line}, byte {column} of the line) is not valid UTF-8",
                        file=path, line=line,
                        hint="save the file as UTF-8 (in most editors: 'Save with Encoding' > "
                             "UTF-8; or `iconv -f latin1 -t utf-8`)") from None
    return text[1:] if text.startswith("\ufeff") else text


def _equation(b: Block, known: list[Equation], path: Path) -> Equation:
    label = b.options.get("label")
    if label is None or label is True or label == "":
        raise PostError("display equation without a label", file=path, line=b.line,
                        hint="add ':label: eq-<name>' on the line after ```{math}, "
                             "and register its code counterpart with @equation('eq-<name>')")
    if not isinstance(label, str) or not LABEL.fullmatch(label):
        raise PostError(f"equation label {label!r} is not of the form eq-<name>", file=path,
                        line=b.line + 1,
                        hint="use lowercase letters, digits and '-', e.g. eq-det-gradient")
    if any(e.label == label for e in known):
        raise PostError(f"equation label {label!r} is used twice", file=path, line=b.line + 1,
                        hint="give each display equation its own label")
    tex = b.body.strip()
    if not tex:
        raise PostError(f"the equation {label} has no TeX", file=path, line=b.line,
                        hint="write the equation on the lines after ':label:'")
    _check_tex(b.body, 0, b.body_line, path)
    return Equation(label, tex, b.line, len(known) + 1)


def _check_tex(text: str, start: int, first_line: int, path: Path, tex: str | None = None) -> None:
    tex = text[start:] if tex is None else tex
    try:
        check_tex(tex)
    except TexProblem as p:
        raise PostError(p.message, file=path, line=inline.line_at(text, start + p.offset, first_line),
                        hint=p.hint) from None


def nearest(name: str, known) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def check_prose(b: Block, labels: set[str], path: Path) -> None:
    """Inline MyST of one text block: every role known, no display math, supported TeX."""
    for first, text in paragraphs(b):
        for k, line in enumerate(split_lines(text)):
            s = line.lstrip()
            if s.startswith((r"\[", r"\begin{")):
                raise PostError("display equation without a label", file=path, line=first + k,
                                hint="write it as a ```{math} block with ':label: eq-<name>' so "
                                     "it can be numbered, referenced and checked against code")
        for t in inline.tokens(text):
            line = inline.line_at(text, t.start, first)
            if t.kind == "display":
                if not text[text.rfind("\n", 0, t.start) + 1:t.start].strip():
                    raise PostError("display equation without a label", file=path, line=line,
                                    hint="write it as a ```{math} block with ':label: "
                                         "eq-<name>' so it can be numbered, referenced and "
                                         "checked against code")
                raise PostError("'$$' inside a paragraph: display math is not supported inline",
                                file=path, line=line,
                                hint="use $...$ for inline math, or a ```{math} block with "
                                     "':label: eq-<name>' on its own lines for a display equation")
            elif t.kind == "math":
                _check_tex(text, t.body_start, first, path, tex=t.body)
            elif t.kind == "bare":
                raise PostError(f"{{{t.name}}} without a target in backticks", file=path,
                                line=line,
                                hint=f"write {{{t.name}}}`" + ("eq-name" if t.name == "eq" else
                                                                "name") + "` with no space")
            elif t.kind == "role":
                _check_role(t, labels, path, line)


def _check_role(t: inline.Token, labels: set[str], path: Path, line: int) -> None:
    if t.name == "eq":
        if t.body not in labels:
            raise PostError(f"reference to unknown equation {t.body!r}", file=path, line=line,
                            hint=nearest(t.body, labels) +
                            f"labels in this post: {', '.join(sorted(labels)) or 'none'}")
    elif t.name == "glue":
        if not GLUE_BODY.fullmatch(t.body):
            raise PostError(f"{{glue}}`{t.body}` is not a glued name", file=path, line=line,
                            hint="write {glue}`name` or {glue}`name:.2f`, where name is a Python "
                                 "identifier passed to glue(name, value)")
    elif t.name in ("cite", "cite:t", "cite:p"):
        pass  # keys are checked against the bibliography when the page renders (citations.py)
    elif t.name == "math":
        raise PostError("the {math} role is not supported", file=path, line=line,
                        hint=f"write inline math as ${t.body}$")
    else:
        raise PostError(f"unknown role {{{t.name}}}", file=path, line=line,
                        hint="folio knows {eq}`eq-name`, {glue}`name` and {cite}`key`; for a link to another "
                             "post write [title](slug.md)")


def _code_cell(b: Block, number: int, path: Path) -> Cell:
    tags = b.options.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        line = next((b.line + 1 + k for k, l in enumerate(split_lines(b.text)[1:])
                     if l.strip().startswith(":tags:") or l.strip().startswith("tags:")), b.line + 1)
        raise PostError(f"cell option ':tags:' must be a list of names, got {tags!r}"[:200],
                        file=path, line=line, hint="write ':tags: [hide-input]'")
    # The other options (":output-lines: 2000") are read where they apply (render.limits).
    return Cell("code", b.body.rstrip("\n"), b.body_line, tuple(tags), number,
                options={k: v for k, v in b.options.items() if k != "tags"})


def parse_body(body: str, first_line: int, path: Path) -> tuple[list[Cell], list[Equation]]:
    blocks = scan(body, first_line, path)
    equations: list[Equation] = []
    for b in walk(blocks):
        if b.kind == "math":
            equations.append(_equation(b, equations, path))
    labels = {e.label for e in equations}
    for b in walk(blocks):
        if b.kind == "text":
            check_prose(b, labels, path)
        elif b.kind == "directive" and b.arg:  # an admonition's title is prose too
            check_prose(Block("text", b.line, b.arg), labels, path)

    cells: list[Cell] = []
    group: list[Block] = []

    def flush() -> None:
        raw = "".join(b.text for b in group)
        if raw.strip():
            lead = len(raw) - len(raw.lstrip("\n"))
            cells.append(Cell("markdown", raw.strip("\n"), group[0].line + raw[:lead].count("\n"),
                              blocks=tuple(group)))
        group.clear()

    for b in blocks:
        if b.kind == "code-cell":
            flush()
            cells.append(_code_cell(b, sum(c.kind == "code" for c in cells) + 1, path))
        elif b.kind == "break":
            flush()
        else:
            group.append(b)
    flush()
    return cells, equations


def check_modules(post_dir: Path) -> None:
    """A post's modules are imported by plain name with the post's folder first on sys.path: a
    name must be an identifier, and must not hide a module the kernel may need."""
    with os.scandir(post_dir) as entries:
        modules = sorted(Path(e.path) for e in entries if e.name.endswith(".py") and e.is_file())
    for p in modules:
        stem = p.stem
        if not stem.isidentifier():
            raise PostError(f"module name {p.name!r} cannot be imported", file=p,
                            hint="rename it to letters, digits and '_' (e.g. "
                                 f"{''.join(c if c.isalnum() else '_' for c in stem)}.py)")
        if stem in sys.stdlib_module_names or stem in ("folio", "kernels") or \
                _installed(stem, Path(post_dir).resolve().parent):
            raise PostError(f"module name {p.name!r} hides the module {stem!r} that Python or "
                            "the project provides", file=p,
                            hint="rename it with a prefix of the post's own (e.g. "
                                 f"{post_dir.name.replace('-', '_')[:16]}_{stem}.py): the post's "
                                 "folder comes first on sys.path, so every import of "
                                 f"{stem!r} in its kernel would load this file")


def _installed(name: str, posts_dir: Path) -> bool:
    """Whether ``import name`` finds a module outside the posts (folio run from inside a post
    folder finds the post's own modules: those do not count)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None or spec.origin in (None, "namespace"):
        return False
    if spec.origin in ("built-in", "frozen"):
        return True
    return posts_dir not in Path(spec.origin).resolve().parents


def read_post(path: Path, known_authors: set[str] | None = None) -> Post:
    path = Path(path)
    text = read_text(path)
    yaml_text, body, first = frontmatter.split(text, path)
    meta = frontmatter.parse(yaml_text, path, known_authors)
    if "<!-- more -->" not in body:
        raise PostError("the post has no excerpt marker", file=path, line=first,
                        hint="put '<!-- more -->' on its own line after the first paragraph; "
                             "what comes before it is the excerpt on the blog index")
    cells, equations = parse_body(body, first, path)
    check_modules(path.parent)
    return Post(slug=path.parent.name, path=path, meta=meta, cells=tuple(cells),
                equations=tuple(equations))
