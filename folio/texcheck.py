"""What folio's TeX-to-MathML conversion does not support, found before it shows wrong.

latex2mathml turns ``aligned``/``align`` and a bare ``&`` or ``\\\\`` into a literal '&' and a
lost line break without complaint. Those are errors here. ``&`` and ``\\\\`` are fine inside the
environments that are tables (``cases``, the ``matrix`` family, ``array``) and ``\\substack``.
"""

from __future__ import annotations

import re

TABLES = {"cases", "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix",
          "smallmatrix", "array", "subarray"}
UNSUPPORTED = {"align", "aligned", "alignat", "alignedat", "eqnarray", "gather", "gathered",
               "split", "multline", "flalign", "equation"}
TABLE_COMMANDS = {r"\substack"}
TOKEN = re.compile(r"\\begin\s*\{(?P<begin>[^{}]*)\}|\\end\s*\{(?P<end>[^{}]*)\}|(?P<newline>\\\\)"
                   r"|(?P<command>\\[A-Za-z]+)|\\.|(?P<amp>&)|(?P<open>\{)|(?P<close>\})", re.S)
ONE_PER_EQUATION = ("write one relation per equation (several {math} blocks, each labeled), or "
                    r"separate the parts with \quad on one line")


class TexProblem(ValueError):
    def __init__(self, offset: int, message: str, hint: str):
        super().__init__(message)
        self.offset, self.message, self.hint = offset, message, hint


def check_tex(tex: str) -> None:
    """Raise TexProblem at the first unsupported construct in ``tex``."""
    if "&" not in tex and "\\\\" not in tex and "\\begin" not in tex:
        return
    stack: list[tuple[str, bool]] = []  # ("env" name or "{", is a table)
    table_group_next = False
    for m in TOKEN.finditer(tex):
        if m["begin"] is not None:
            name = m["begin"].strip()
            if name.rstrip("*") in UNSUPPORTED:
                raise TexProblem(m.start(), f"\\begin{{{name}}} is not supported", ONE_PER_EQUATION)
            stack.append((name, name in TABLES))
        elif m["end"] is not None:
            name = m["end"].strip()
            while stack and stack[-1][0] == "{":  # unbalanced braces: latex2mathml will say
                stack.pop()
            if stack:
                stack.pop()
        elif m["newline"] or m["amp"]:
            if not any(table for _, table in stack):
                what = "'\\\\' (a line break)" if m["newline"] else "'&' (an alignment point)"
                raise TexProblem(m.start(), f"{what} outside a cases or matrix environment "
                                            "is not supported",
                                 ONE_PER_EQUATION + r"; a literal ampersand is \&")
        elif m["command"]:
            table_group_next = m["command"] in TABLE_COMMANDS
            continue
        elif m["open"]:
            stack.append(("{", table_group_next))
        elif m["close"]:
            if stack and stack[-1][0] == "{":
                stack.pop()
        table_group_next = False
