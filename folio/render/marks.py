"""The equation block on the page: MathML, its number, and the mark saying how it was verified."""

from __future__ import annotations

import ast
import functools
import html
from pathlib import Path

from ..post import Equation
from .mathml import to_mathml

SITE_ROOT = "../../"  # from a post page (/blog/<slug>/) to the site root


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1e}"


def measured(check: dict) -> str:
    """The measured error of one check, in words a reader can use."""
    if check.get("max_se") is not None:
        return f"within {check['max_se']:.1f} standard errors"
    if "≤" in check.get("tolerance", "") or "≥" in check.get("tolerance", ""):
        return f"bound holds (largest violation {_fmt(check['max_rel_error'])})"
    return f"max rel. error {_fmt(check['max_rel_error'])}"


@functools.lru_cache(maxsize=64)
def _function_spans(text: str) -> dict[int, tuple[int, int]]:
    """For each function in a module: its def line and first decorator line -> (first, last)
    line. One parse per module, however many equations it implements."""
    spans = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            spans.setdefault(first, (first, node.end_lineno))
            spans.setdefault(node.lineno, (first, node.end_lineno))
    return spans


def function_source(where: str, root: Path) -> tuple[str, str, int] | None:
    """(source with decorators, path relative to root, line) of the function at ``file:line``."""
    file, _, line = where.rpartition(":")
    try:
        path, lineno = root / file, int(line)  # relative to the root (see execute.kernel)
        text = path.read_text(encoding="utf-8")
        rel = str(path.resolve().relative_to(root.resolve()))
    except (OSError, ValueError):
        return None
    span = _function_spans(text).get(lineno)
    if span is None:
        return None
    first, last = span
    return "\n".join(text.splitlines()[first - 1:last]), rel, first


def _code_link(rel: str, line: int) -> str:
    # Post modules are published under /code/<slug>/ (see FolioPlugin.on_files).
    parts = Path(rel).parts
    href = SITE_ROOT + "code/" + "/".join(parts[1:]) if parts[0] == "posts" else SITE_ROOT + rel
    return f'<a href="{html.escape(href)}">{html.escape(Path(rel).name)}</a>, line {line}'


def equation_block(eq: Equation, result: dict | None, root: Path) -> str:
    """Raw HTML (a Markdown block passes it through untouched) for one labeled equation."""
    math = to_mathml(eq.tex, display=True)
    head = (f'<div class="folio-equation" id="{eq.label}">\n'
            # Focusable, so a keyboard user can scroll a wide equation on a narrow screen.
            f'<div class="folio-equation__math" tabindex="0" role="group" aria-label="Equation {eq.number}">{math}</div>\n'
            f'<span class="folio-equation__number">({eq.number})</span>\n</div>')
    return head + "\n" + check_mark(eq, result, root)


def check_mark(eq: Equation, result: dict | None, root: Path) -> str:
    if result is None:
        return ('<p class="folio-check folio-check--none">Not verified in this build: the '
                "post's code did not run to the end.</p>")
    checks = result.get("checks", [])
    if result.get("verified"):
        first = checks[0]
        more = f" and {len(checks) - 1} more check{'s' if len(checks) > 2 else ''}" if len(checks) > 1 else ""
        summary = (f"✓ Verified against {html.escape(first['oracle'])}: {measured(first)}"
                   f" over {first['cases']} cases{more}")
        state = "pass"
    else:
        failing = next((c for c in checks if not c["passed"]), None)
        why = failing["message"] if failing else result.get("problem", "not checked")
        summary = f"✗ Not verified: {html.escape(why)}"
        state = "fail"
    rows = []
    for c in checks:
        verdict = "pass" if c["passed"] else "fail"
        rows.append(f"<tr><td>{html.escape(c['oracle'])}</td><td>{c['cases']}</td>"
                    f"<td>{html.escape(measured(c))}</td><td>{html.escape(c['tolerance'])}</td>"
                    f"<td>{verdict}</td></tr>")
    body = []
    if rows:
        body.append('<table class="folio-check__table"><thead><tr><th>oracle</th><th>cases</th>'
                    "<th>measured</th><th>tolerance</th><th>result</th></tr></thead><tbody>"
                    + "".join(rows) + "</tbody></table>")
    src = function_source(result["counterpart_where"], root) if result.get("counterpart_where") else None
    if src:
        code, rel, line = src
        body.append(f"<p>Code counterpart ({_code_link(rel, line)}):</p>"
                    f'<pre class="folio-check__source"><code>{html.escape(code)}</code></pre>')
    return (f'<details class="folio-check folio-check--{state}">\n<summary>{summary}</summary>\n'
            + "\n".join(body) + "\n</details>")
