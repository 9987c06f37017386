"""Inline MyST in a prose block: roles, code spans, math, escapes. One tokenizer, used to check
the post when it is read and to resolve ``{eq}`` and ``{glue}`` when it is rendered, so both
see the same references (none inside a code span)."""

from __future__ import annotations

import re
from dataclasses import dataclass

ROLES = ("eq", "glue", "cite", "cite:t", "cite:p")
TOKEN = re.compile(
    r"(?=[{`\\$])"  # every token starts with one of these: fail fast everywhere else
    r"(?:(?P<role>\{(?P<role_name>[A-Za-z][\w-]*(?::[A-Za-z]+)?)\}(?P<role_ticks>`+)(?P<role_body>.*?)(?<!`)(?P=role_ticks)(?!`))"
    r"|(?P<code>(?P<ticks>`+).+?(?<!`)(?P=ticks)(?!`))"
    r"|(?P<round>\\\((?P<round_tex>.+?)\\\))"
    r"|(?P<escape>\\[\\`*_{}\[\]()#+\-.!$|&<>])"
    r"|(?P<display>\$\$)"
    r"|(?P<math>\$(?!\s)(?P<math_tex>(?:\\.|[^\\$])+?)(?<!\s)\$)"
    r"|(?P<bare>\{(?P<bare_name>eq|glue)\})"
    r"|(?P<lone_ticks>`+))",
    re.S)
STARTS = re.compile(r"[{`\\$]")
EQ_BODY = re.compile(r"eq-[a-z0-9]+(?:-[a-z0-9]+)*")
GLUE_BODY = re.compile(r"(?P<name>[A-Za-z_]\w*)(?::(?P<spec>[^`]*))?")


@dataclass(frozen=True)
class Token:
    kind: str  # role, code, escape, display, math, bare, lone_ticks
    start: int
    end: int
    name: str = ""  # role name
    body: str = ""  # role body; TeX of inline math
    body_start: int = 0  # offset of ``body`` in the text


def tokens(text: str) -> list[Token]:
    if not STARTS.search(text):
        return []
    out = []
    for m in TOKEN.finditer(text):
        if m["role"] is not None:
            out.append(Token("role", m.start(), m.end(), m["role_name"], m["role_body"],
                             m.start("role_body")))
        elif m["math"] is not None:
            out.append(Token("math", m.start(), m.end(), body=m["math_tex"],
                             body_start=m.start("math_tex")))
        elif m["round"] is not None:
            out.append(Token("math", m.start(), m.end(), body=m["round_tex"],
                             body_start=m.start("round_tex")))
        elif m["bare"] is not None:
            out.append(Token("bare", m.start(), m.end(), m["bare_name"]))
        else:
            kind = next(k for k in ("code", "escape", "display", "lone_ticks") if m[k] is not None)
            out.append(Token(kind, m.start(), m.end()))
    return out


def substitute(text: str, replace) -> str:
    """``text`` with each role token replaced by ``replace(token)`` (a string, or None to keep
    it as written)."""
    parts, at = [], 0
    for t in tokens(text):
        if t.kind != "role":
            continue
        new = replace(t)
        if new is None:
            continue
        parts.append(text[at:t.start])
        parts.append(new)
        at = t.end
    parts.append(text[at:])
    return "".join(parts)


def line_at(text: str, offset: int, first_line: int) -> int:
    return first_line + text.count("\n", 0, offset)
