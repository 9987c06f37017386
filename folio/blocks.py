"""The block model of a post's body: one parse of the MyST, used by every later stage.

A body is a sequence of blocks, each with its kind, the line it starts on and its text:

- ``text``: a run of prose lines (paragraphs, lists, headings, blank lines);
- ``fence``: a plain code block (```` ```python ````), shown as written and never scanned;
- ``math``: a ``{math}`` directive, with its options (``label``) and TeX body;
- ``directive``: an admonition (``{note}``, ``{tip}``, ...) whose body is Markdown, parsed into
  ``children`` by the same rules, so a display equation inside a note is labeled and checked
  like any other;
- ``code-cell``: a ``{code-cell}`` (top level only: jupytext reads no others);
- ``break``: ``+++``, the boundary between two markdown cells (top level only).

Anything else (an unknown directive, a code cell inside a note) is a PostError naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PostError
from .yaml_read import load_yaml

FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?:\{(?P<directive>[^{}\s]*)\})?\s*(?P<arg>.*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
ADMONITIONS = ("note", "tip", "warning", "important", "caution", "seealso", "admonition")
SUPPORTED = ("code-cell", "math", *ADMONITIONS)
MATH_OPTIONS = ("label",)


@dataclass(frozen=True)
class Block:
    kind: str  # text, fence, math, directive, code-cell, break
    line: int  # 1-based line in index.md of the block's first line (the fence line)
    text: str  # the block as written, every line of it
    body: str = ""  # fenced blocks: what lies between the options and the closing fence
    body_line: int = 0  # the line of the body's first line
    name: str = ""  # directive name; a plain fence's info string
    arg: str = ""  # what follows {name} on the fence line (an admonition's title)
    options: dict = field(default_factory=dict, hash=False)
    children: tuple["Block", ...] = ()

    @property
    def label(self) -> str | None:
        return self.options.get("label") if self.kind == "math" else None


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split on '\\n' only: line numbers as an editor counts them
    (``str.splitlines`` also breaks at form feeds, \\x1c-\\x1e, \\x85, \\u2028, ...)."""
    lines = text.split("\n")
    out = [l + "\n" for l in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _fence(line: str, lineno: int, path: Path) -> re.Match | None:
    s = line.lstrip()
    if not (s.startswith("```") or s.startswith("~~~")):
        return None
    m = FENCE.match(s.rstrip())
    # A backtick fence's info string holds no backtick: ```x``` on one line is inline code.
    if m and m["fence"][0] == "`" and "`" in (m["arg"] or ""):
        if m["directive"] is not None:
            raise PostError(f"a backtick on the ```{{{m['directive']}}} line", file=path,
                            line=lineno,
                            hint="Markdown ends a ``` fence's first line at a backtick: open the "
                                 "block with ~~~ instead (and close it with ~~~), or leave the "
                                 "role out of the title")
        return None
    return m


def _close(lines: list[str], start: int, fence: str) -> int:
    """Index of the line closing a block opened with ``fence``, or -1."""
    for j in range(start, len(lines)):
        s = lines[j].strip()
        if len(s) >= len(fence) and set(s) == {fence[0]}:
            return j
    return -1


def _options(lines: list[str], start: int, end: int, first_line: int, path: Path) -> tuple[dict, int]:
    """Directive options after a fence: ':key: value' lines or a '---' YAML block, both within
    the block (``start`` to ``end``). Returns (options, index of the first body line)."""
    opts: dict = {}
    if start < end and lines[start].strip() == "---":
        j = start + 1
        while j < end and lines[j].strip() != "---":
            j += 1
        if j >= end:
            raise PostError("the '---' options block of this directive is never closed",
                            file=path, line=first_line + start,
                            hint="end the options with a '---' line before the body")
        data = load_yaml("".join(lines[start + 1:j]), path, first_line + start + 1,
                         what="directive options")
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise PostError("directive options must be 'key: value' lines", file=path,
                            line=first_line + start + 1, hint="write e.g. 'label: eq-name'")
        return {str(k): v for k, v in data.items()}, j + 1
    i = start
    while i < end:
        m = OPTION.match(lines[i].strip())
        if not m:
            break
        key = m["key"]
        if key in opts:
            raise PostError(f"option ':{key}:' is given twice", file=path, line=first_line + i,
                            hint="keep one")
        value = m["value"]
        opts[key] = load_yaml(value, path, first_line + i, what=f"the value of ':{key}:'") \
            if value and value.strip() else True
        i += 1
    return opts, i


def scan(text: str, first_line: int, path: Path, *, inside: str = "") -> list[Block]:
    """The blocks of ``text``, whose first line is line ``first_line`` of ``path``.
    ``inside``: the directive whose body this is ('' at the top level)."""
    lines = split_lines(text)
    blocks: list[Block] = []
    run: list[str] = []
    run_line = first_line

    def flush(next_index: int) -> None:
        nonlocal run, run_line
        if run:
            blocks.append(Block("text", run_line, "".join(run)))
        run, run_line = [], first_line + next_index

    i = 0
    while i < len(lines):
        lineno = first_line + i
        stripped = lines[i].strip()
        m = _fence(lines[i], lineno, path)
        if m is None:
            if stripped == "+++" or stripped.startswith("+++ "):
                if inside:
                    raise PostError(f"'+++' inside a {{{inside}}} block", file=path, line=lineno,
                                    hint="cells can only be split at the top level; close the "
                                         "block first")
                flush(i + 1)
                blocks.append(Block("break", lineno, lines[i]))
            else:
                if not run:
                    run_line = lineno
                run.append(lines[i])
            i += 1
            continue
        flush(i)
        fence, name = m["fence"], m["directive"]
        end = _close(lines, i + 1, fence)
        if end < 0:
            hint = f"add a closing {fence} line"
            if inside:
                hint += (f"; a block inside {{{inside}}} needs fewer backticks than the "
                         f"{{{inside}}} fence (e.g. ```` for the outer, ``` for the inner)")
            raise PostError(f"a {fence} block opened here is never closed", file=path,
                            line=lineno, hint=hint)
        whole = "".join(lines[i:end + 1])
        if name is None:
            blocks.append(Block("fence", lineno, whole, "".join(lines[i + 1:end]), lineno + 1,
                                name=(m["arg"] or "").strip()))
            i = end + 1
            continue
        if name not in SUPPORTED:
            raise PostError(f"unsupported directive {{{name}}}", file=path, line=lineno,
                            hint=f"folio knows {', '.join('{' + s + '}' for s in SUPPORTED)}; "
                                 "for a code listing use a plain fence (```python)")
        if name == "code-cell" and inside:
            raise PostError(f"a {{code-cell}} inside a {{{inside}}} block", file=path,
                            line=lineno, hint="code cells must be at the top level of the post")
        opts, body_start = _options(lines, i + 1, end, first_line, path)
        body = "".join(lines[body_start:end])
        body_line = first_line + body_start
        arg = (m["arg"] or "").strip()
        if name == "code-cell":
            blocks.append(Block("code-cell", lineno, whole, body, body_line, name, arg, opts))
        elif name == "math":
            unknown = [k for k in opts if k not in MATH_OPTIONS]
            if unknown:
                raise PostError(f"unknown option ':{unknown[0]}:' on a {{math}} block",
                                file=path, line=lineno + 1,
                                hint="a {math} block takes ':label: eq-<name>' only")
            if arg:
                raise PostError("TeX on the ```{math} line itself", file=path, line=lineno,
                                hint="put the TeX on the lines after ':label:', not after {math}")
            blocks.append(Block("math", lineno, whole, body, body_line, name, arg, opts))
        else:
            if opts:
                raise PostError(f"unknown option ':{next(iter(opts))}:' on a {{{name}}} block",
                                file=path, line=lineno + 1,
                                hint=f"{{{name}}} takes no options; write its title after "
                                     f"{{{name}}} on the fence line")
            children = tuple(scan(body, body_line, path, inside=name))
            blocks.append(Block("directive", lineno, whole, body, body_line, name, arg, opts,
                                children))
        i = end + 1
    flush(len(lines))
    return blocks


def walk(blocks) -> "list[Block]":
    """Every block, directive bodies included, in reading order."""
    out = []
    for b in blocks:
        out.append(b)
        out.extend(walk(b.children))
    return out


def paragraphs(b: Block):
    """(line, text) of each run of non-blank lines in a text block, and of each run of blank
    ones: together they are the block's text, in order."""
    run, run_line, blank = [], b.line, None
    for k, line in enumerate(split_lines(b.text)):
        is_blank = not line.strip()
        if run and is_blank != blank:
            yield run_line, "".join(run)
            run = []
        if not run:
            run_line, blank = b.line + k, is_blank
        run.append(line)
    if run:
        yield run_line, "".join(run)
