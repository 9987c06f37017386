"""How much of a code cell's text output a post page shows.

A cell that prints a training log of 200,000 lines must not publish a 10 MB page. Each cell's
text output (streams, errors, plain text, HTML and Markdown) shares one budget of lines and
bytes; past it, the page shows where the output was cut and how much is left out, and the
companion notebook (which is not cut) has all of it. The limits are declared here, once, and a
cell may raise or lower them in its options::

    ```{code-cell} ipython3
    :output-lines: 2000
    :output-bytes: 200000
    ```
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PostError
from ..post import Cell, Post

MAX_LINES = 500
MAX_BYTES = 50_000
OPTIONS = {"output-lines": "lines", "output-bytes": "bytes"}


@dataclass(frozen=True)
class Limits:
    lines: int = MAX_LINES
    bytes: int = MAX_BYTES


def limits_of(cell: Cell, post: Post) -> Limits:
    """The cell's limits: the defaults, or what its ``:output-lines:`` / ``:output-bytes:``
    options say (a positive whole number)."""
    values = {}
    for option, field in OPTIONS.items():
        if option not in cell.options:
            continue
        value = cell.options[option]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PostError(f"code cell {cell.number}: option :{option}: {value!r} is not a "
                            "positive whole number", file=post.path,
                            line=_option_line(post, cell, option),
                            hint=f"write e.g. ':{option}: {getattr(Limits(), field) * 4}' in the "
                                 "cell's options, or leave it out for the default "
                                 f"({getattr(Limits(), field):,})")
        values[field] = value
    return Limits(**values)


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _option_line(post: Post, cell: Cell, option: str) -> int:
    """The line of ``option`` in the cell's header (written ``:option:`` or, in a YAML block,
    ``option:``); the cell's first line if it cannot be found."""
    try:
        lines = post.path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return cell.line
    for n in range(cell.line - 1, max(0, cell.line - 50), -1):
        text = lines[n - 1].strip() if n <= len(lines) else ""
        if text.startswith((f":{option}:", f"{option}:")):
            return n
        if text.startswith(("```", "~~~")):
            break
    return cell.line


def size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB" if n >= 1e3 else f"{n} bytes"


@dataclass
class Budget:
    """What is left of a cell's limits, and what was cut once they ran out."""

    limits: Limits
    lines_left: int = 0
    bytes_left: int = 0
    total_lines: int = 0
    total_bytes: int = 0
    cut_lines: int = 0
    cut_bytes: int = 0

    def __post_init__(self):
        self.lines_left, self.bytes_left = self.limits.lines, self.limits.bytes

    @property
    def cut(self) -> bool:
        return bool(self.cut_bytes)

    def text(self, text: str) -> str:
        """The head of ``text`` that fits, in whole lines; a line longer than what is left of
        the bytes is shown up to them."""
        lines = text.splitlines(keepends=True)
        self.total_lines += len(lines)
        self.total_bytes += _bytes(text)
        kept = []
        for line in lines:
            if not self.lines_left or not self.bytes_left:
                break
            b = _bytes(line)
            if b > self.bytes_left:  # one long line: its head, cut on a character boundary
                kept.append(line.encode("utf-8")[:self.bytes_left].decode("utf-8", "ignore"))
                self.bytes_left = 0
                self.lines_left -= 1
                break
            kept.append(line)
            self.bytes_left -= b
            self.lines_left -= 1
        shown = "".join(kept)
        self.cut_lines += len(lines) - len(kept)
        self.cut_bytes += _bytes(text) - _bytes(shown)
        return shown

    def whole(self, text: str) -> bool:
        """True when all of ``text`` (HTML or Markdown, which cannot be cut just anywhere) fits,
        and it is counted; False, counting nothing, when it does not."""
        data = _bytes(text)
        lines = len(text.splitlines())
        if data <= self.bytes_left and lines <= self.lines_left:
            self.bytes_left -= data
            self.lines_left -= lines
            self.total_bytes += data
            self.total_lines += lines
            return True
        return False

    def drop(self, text: str) -> None:
        """Count ``text`` as left out whole."""
        self.total_bytes += _bytes(text)
        self.total_lines += len(text.splitlines())
        self.cut_bytes += _bytes(text)
        self.cut_lines += len(text.splitlines())

    def note(self) -> str:
        if self.cut_lines:
            what = f"{self.cut_lines:,} more line{'s' if self.cut_lines != 1 else ''}"
        else:
            what = "the rest of a long line"
        return (f"Output cut: {what} ({size(self.cut_bytes)}) of this cell's output "
                f"{'are' if self.cut_lines > 1 else 'is'} not shown here; a page shows at most "
                f"{self.limits.lines:,} lines and {size(self.limits.bytes)} of each cell's output.")
