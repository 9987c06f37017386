"""Hostile input, generated: whatever a post holds, reading and rendering it either works or is
a PostError naming the post's file (and a line inside it where there is one); never another
exception. Deterministic (derandomize) so CI sees the same inputs every run."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from folio.errors import FolioError, PostError
from folio.parse import read_post
from folio.render.markdown import render_markdown_cell
from folio.render.notebook import _jupyter_markdown

REPO = Path(__file__).resolve().parent.parent
FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

GOOD_FRONT = ("---\ntitle: T\ndate: 2026-02-01\nauthors: [folio]\ncategories: [Testing]\n"
              "description: D.\n---\n\nIntro.\n\n<!-- more -->\n\n")

_dir = Path(tempfile.mkdtemp(prefix="folio-fuzz-"))


def _post_file(data: bytes) -> Path:
    path = _dir / "fuzzed" / "index.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _lines(data: bytes) -> int:
    return data.count(b"\n") + 1


def read_or_error(data: bytes):
    """The Post, or None after checking the PostError names the file and a line in it."""
    path = _post_file(data)
    try:
        return read_post(path, {"folio"})
    except PostError as exc:
        assert exc.file == path, exc.render()
        assert exc.line is None or 1 <= exc.line <= _lines(data), (exc.line, exc.render())
        assert exc.render().startswith(f"{path}"), exc.render()
        return None


def render_or_error(post, glue: dict) -> None:
    for cell in post.cells:
        if cell.kind != "markdown":
            continue
        for render in (lambda: render_markdown_cell(cell, post, glue, None, REPO),
                       lambda: _jupyter_markdown(cell, post, glue)):
            try:
                render()
            except PostError as exc:
                assert exc.file == post.path and exc.line is not None, exc.render()
                assert 1 <= exc.line <= _lines(post.path.read_bytes()), exc.render()


# --- the pieces a careless author combines ---------------------------------------------------

yaml_scalars = st.sampled_from([
    "", "x", "'quoted'", '"2026-02-01"', "2026-02-01", "2026-02-30", "2026-13-01", "2026-02-01 10:00",
    "2026-02-01T10:00:00+02:00", "1", "3.5", "true", "null", "~", "[]", "{}", "[a, b", "{a: 1",
    "[folio]", "[nobody]", "[folio, folio]", "[1, 2]", "[[a]]", "!!int x", "!!float y",
    "!!timestamp q", "!!binary AAA=", "!!python/object:os.system x", "&a [x]", "*a", "*undefined",
    "|\n  block", ">\n  folded", "cpu", "gpu", "tpu", "my-series", "My Series", "- a\n- b",
    "\x07", "é", "'unterminated", "a: b: c", "\t", "%YAML 1.2", "---", "...",
])
keys = st.sampled_from(["title", "date", "authors", "categories", "description", "series",
                        "requires", "draft", "jupytext", "kernelspec", "titel", "1", "? x", "- x",
                        "[a]", "&k title", ""])
front_matter = st.lists(st.tuples(keys, yaml_scalars), max_size=9).map(
    lambda kv: "---\n" + "".join(f"{k}: {v}\n" for k, v in kv) + "---\n\nIntro.\n\n<!-- more -->\n\n")

fences = st.sampled_from(["```", "````", "~~~", "``", "```` ", "```{code-cell} ipython3",
                          "```{math}", "````{math}", "```{note}", "````{note}", "~~~{tip} A title",
                          "```{warning} A {eq}`eq-a` title", "```{admonition} Title", "```{figure} x",
                          "```{}", "```{math} a = b", "```python", "```{code-cell}", "```x```"])
options = st.sampled_from([":label: eq-a", ":label: eq-b", ":label: Eq_A", ":label:", ":label: 3",
                           ":label: [eq-a", ":tags: [hide-input]", ":tags: [a, b", ":tags: 3",
                           ":tags: [gpu]", ":tags: {x: 1}", ":tags: 2026-02-30", ":nowrap:",
                           ":tags:", "---", "label: eq-a", ":class: x", ":tags: *x"])
tex = st.sampled_from(["a = b", r"\frac{1}{", r"\begin{aligned} a &= b \\ c \end{aligned}",
                       "a &= b", r"a \\ b", r"\begin{cases} 1 & x \\ 0 & y \end{cases}",
                       r"\begin{pmatrix} a & b \end{pmatrix}", r"\substack{a \\ b}", r"a \& b",
                       r"\begin{align*}x\end{align*}", r"\end{cases} &", r"\begin{cases", "}}}{{{",
                       r"\left( x", r"\text{$x$}", "$", "$$", "", r"\\", r"\begin{}", "&&&"])
CLEAN = ["Text.", "Inline $x$ math.", "See {eq}`eq-a`.", "Value {glue}`v:.2f` and {glue}`w`.",
         "", "- a list with $x$", "``{eq}`eq-zz` ``"]
clean_prose = st.sampled_from(CLEAN)
prose = st.sampled_from([
    "Text.", "Inline $x$ math.", "Inline $a & b$.", "Two $$x$$ dollars.", "$$", "$$x$$",
    "See {eq}`eq-a`.", "See {eq}`eq-b`.", "See {eq}`eq-missing`.", "See {eq}eq-a.", "{eq}",
    "{eq}``eq-a``", "{glue}`v`", "{glue}`v:.2f`", "{glue}`v:>{`", "{glue}`w:d`", "{glue}`1x`",
    "{glue}", "{ref}`x`", "{math}`x`", "`code {eq}`eq-a` span`", "``{eq}`eq-zz` ``", "`", "```",
    r"\$\$ escaped", r"\(a &= b\)", r"\[ a \]", r"\begin{equation} a", "+++", "+++ {\"a\": 1}",
    "<!-- more -->", "", "", "", "    indented", "- a list with $x$", "# Heading {eq}`eq-a`",
    "| a | b |", "\ufeff", "\x00", "\r", "caf\u00e9", "\u2028", "\x85",
])
piece = st.one_of(prose, fences, options, tex)
loose_body = st.lists(piece, max_size=30).map(lambda xs: "\n".join(xs) + "\n")
labels = st.sampled_from([f":label: eq-{c}" for c in "abcdefgh"])
directives = st.sampled_from(["note", "tip", "warning", "seealso", "admonition", "caution"])


@st.composite
def fenced(draw, depth: int = 0) -> str:
    """A well-formed block most of the time: fence, options, content, closing fence (sometimes
    missing, or with too few backticks)."""
    kind = draw(st.sampled_from(["math", "math", "directive", "plain"] +
                                (["code"] if depth == 0 else [])))
    ticks = "`" * (3 + (2 - depth if kind == "directive" else 0))
    fence = draw(st.sampled_from([ticks, "~~~~"])) if kind == "directive" else ticks
    if kind == "math":
        head = f"{fence}{{math}}"
        inner = [draw(st.one_of(labels, labels, labels, options))] + draw(
            st.lists(st.one_of(st.just("a = b"), tex), min_size=1, max_size=3))
    elif kind == "code":
        head = f"{fence}{{code-cell}} ipython3"
        inner = draw(st.lists(st.sampled_from([":tags: [hide-input]", ":tags: [a, b", ":tags: 3",
                                               ":tags: [remove-cell]"]), max_size=1))
        inner += draw(st.lists(st.sampled_from(["x = 1", "glue('v', 1.5)", "$$", "```"]),
                               max_size=2))
    elif kind == "plain":
        head = fence + draw(st.sampled_from(["", "python", "text"]))
        inner = draw(st.lists(prose, max_size=3))  # never scanned: anything goes
    else:
        title = draw(st.sampled_from(["", " A title", " About $x$", " See {eq}`eq-a`"]))
        head = f"{fence}{{{draw(directives)}}}{title}"
        inner = [draw(clean_prose)]
        if depth < 2:
            inner += draw(st.lists(st.one_of(clean_prose, fenced(depth + 1)), max_size=3))
    close = draw(st.sampled_from([fence] * 12 + ["", fence[:-1]]))
    return "\n".join([head, *inner, close])


block = st.one_of(clean_prose, clean_prose, fenced(), fenced(), st.just("+++"), prose)
body = st.one_of(st.lists(block, max_size=12).map(lambda xs: "\n".join(xs) + "\n"), loose_body)


# --- the properties -----------------------------------------------------------------------------

@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data):
    read_or_error(data)
    read_or_error(GOOD_FRONT.encode() + data)


@FUZZ
@given(front_matter)
def test_random_front_matter(text):
    read_or_error(text.encode())


@settings(FUZZ, max_examples=60)
@given(st.text(max_size=200))
def test_random_yaml_text(text):
    read_or_error(f"---\n{text}\n---\n\nIntro.\n\n<!-- more -->\n".encode())


glue_values = st.dictionaries(
    st.sampled_from(["v", "w", "x"]),
    st.one_of(st.floats(allow_nan=True), st.integers(), st.text(max_size=5), st.none(),
              st.lists(st.integers(), max_size=2), st.booleans()),
    max_size=3)


@FUZZ
@given(body, glue_values)
def test_random_myst_body_and_its_rendering(text, glue):
    post = read_or_error((GOOD_FRONT + text).encode())
    if post is not None:
        render_or_error(post, glue)


@FUZZ
@given(body, st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1252"]))
def test_random_body_in_other_encodings(text, encoding):
    read_or_error((GOOD_FRONT + text).encode(encoding, errors="replace"))


POSTS = sorted((REPO / "posts").glob("*/index.md"))


@FUZZ
@given(st.sampled_from(POSTS), st.floats(0, 1), st.integers(0, 2))
def test_truncated_real_posts(path, fraction, mangle):
    data = path.read_bytes()
    cut = data[:int(len(data) * fraction)]
    if mangle == 1:  # the cut lands mid-character
        cut = cut + "é".encode()[:1]
    elif mangle == 2:  # a block of the post lost, the rest kept
        cut = cut + data[int(len(data) * fraction) + 200:]
    post = read_or_error(cut)
    if post is not None:
        render_or_error(post, {})


def test_the_real_posts_parse():
    """The rules the fuzz tests exercise hold for every published post."""
    from folio.config import Project

    authors = Project(REPO).known_authors()
    for path in POSTS:
        try:
            read_post(path, authors)
        except FolioError as exc:  # pragma: no cover - the message is the point
            raise AssertionError(exc.render()) from None


_project = Path(tempfile.mkdtemp(prefix="folio-fuzz-project-"))


@settings(FUZZ, max_examples=60)
@given(st.one_of(st.binary(max_size=300), body.map(lambda t: (GOOD_FRONT + t).encode()),
                 front_matter.map(str.encode)))
def test_the_other_posts_are_still_read(data):
    """One bad post among good ones: the build's reader reports it and keeps the rest."""
    from folio.config import Project
    from folio.pipeline import BuildResult, read_posts

    (_project / "mkdocs.yml").write_text("site_name: fuzz\n")
    authors = _project / "site_src" / "blog" / ".authors.yml"
    authors.parent.mkdir(parents=True, exist_ok=True)
    authors.write_text("authors:\n  folio:\n    name: F\n    description: D\n")
    for slug in ("a-good", "z-good"):
        (_project / "posts" / slug).mkdir(parents=True, exist_ok=True)
        (_project / "posts" / slug / "index.md").write_text(GOOD_FRONT + "Text.\n")
    bad = _project / "posts" / "m-fuzzed" / "index.md"
    bad.parent.mkdir(exist_ok=True)
    bad.write_bytes(data)
    result = BuildResult()
    slugs = {p.slug for p in read_posts(Project(_project), (), result)}
    assert {"a-good", "z-good"} <= slugs
    assert all(p.startswith(f"{bad}") for p in result.problems), result.problems
