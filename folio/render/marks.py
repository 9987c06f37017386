"""The equation block on the page: MathML, its number, and the mark saying how it was verified."""

from __future__ import annotations

import ast
import functools
import html
import os
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
    if check.get("absolute"):  # an expected value of 0: a relative error would read 1.0
        return f"max abs. error {_fmt(check.get('max_abs_error'))}"
    return f"max rel. error {_fmt(check['max_rel_error'])}"


KIND_WORDS = {"finite-differences": "finite differences", "autograd": "automatic differentiation",
              "simulation": "simulation", "library": "library routine",
              "special-case": "exact special case", "definition": "the definition, evaluated",
              "property": "property", "reimplementation": "re-implementation"}


def _preview() -> bool:
    """``folio serve`` shows authors what to do next; the published page does not."""
    return os.environ.get("FOLIO_PREVIEW") == "1"


def _mutation_line(m: dict | None) -> str:
    if not m or m.get("skipped") or not m.get("total"):
        return ""
    eq = len(m.get("equivalent", []))
    n = m["total"] - eq
    text = f"; its checks caught {m['caught']} of {n} altered versions of the code"
    if m.get("survivors"):
        text += f" ({len(m['survivors'])} passed unnoticed)"
    return text


def _mutation_details(m: dict | None) -> str:
    if not m or not m.get("total"):
        return ""
    if m.get("skipped"):
        return f"<p>No altered versions were tried: {html.escape(m['skipped'])}.</p>"
    eq = m.get("equivalent", [])
    parts = [f"<p>Altered versions of the code (a flipped sign, a factor, a dropped transpose, "
             f"swapped arguments, a changed constant or axis): {m['caught']} of "
             f"{m['total'] - len(eq)} caught by the checks"
             + (f", {len(eq)} computing the same function" if eq else "") + ".</p>"]
    items = [f"<li>passed unnoticed: <code>{html.escape(s['diff'])}</code></li>"
             for s in m.get("survivors", [])]
    items += [f"<li>the same function: <code>{html.escape(s['diff'])}</code> "
              f"({html.escape(s['reason'])})</li>" for s in eq]
    if items:
        parts.append('<ul class="folio-check__mutants">' + "".join(items) + "</ul>")
    return "\n".join(parts)


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
        path, lineno = Path(file), int(line)
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
    # Material styles <details> by admonition type: a pass, a merely consistent result and a
    # failure each get their own colour and icon.
    if result is None:
        return ('<p class="folio-check folio-check--none">Not verified in this build: the '
                "post's code did not run to the end.</p>")
    checks = result.get("checks", [])
    status = result.get("status", "verified" if result.get("verified") else "failed")
    m = result.get("mutation")
    if not checks:
        text = "Not yet verified."
        if _preview() and result.get("problem"):
            text += f" (Author: {html.escape(result['problem'])})"
        return f'<p class="folio-check folio-check--none">{text}</p>'
    if status == "verified":
        first = next(c for c in checks if c.get("independent", True))
        more = f" and {len(checks) - 1} more check{'s' if len(checks) > 2 else ''}" if len(checks) > 1 else ""
        summary = (f"✓ Verified against {html.escape(first['oracle'])}: {measured(first)}"
                   f" over {first['cases']} cases{more}{_mutation_line(m)}")
        state, admonition = "pass", "success"
    elif status == "consistent":
        first = checks[0]
        summary = (f"≈ Consistent with {html.escape(first['oracle'])}: {measured(first)} over "
                   f"{first['cases']} cases, but no check is independent of the formula "
                   f"(only {', '.join(sorted({KIND_WORDS.get(c.get('kind'), '?') for c in checks}))})"
                   f"{_mutation_line(m)}")
        state, admonition = "consistent", "warning"
    else:
        failing = next((c for c in checks if not c["passed"]), checks[0])
        summary = (f"✗ Check failing: the code disagrees with {html.escape(failing['oracle'])}")
        if _preview():
            summary += f" ({html.escape(failing['message'])})"
        state, admonition = "fail", "failure"
    rows = []
    by_check = (m or {}).get("by_check", {})
    for c in checks:
        verdict = "pass" if c["passed"] else "fail"
        caught = by_check.get(c.get("name"))
        rows.append(f"<tr><td>{html.escape(c['oracle'])}</td>"
                    f"<td>{html.escape(KIND_WORDS.get(c.get('kind'), '?'))}"
                    f"{' (same shape as the code)' if c.get('same_shape') else ''}</td>"
                    f"<td>{c['cases']}</td>"
                    f"<td>{html.escape(measured(c))}</td><td>{html.escape(c['tolerance'])}</td>"
                    f"<td>{'-' if caught is None else caught}</td><td>{verdict}</td></tr>")
    body = []
    if rows:
        body.append('<table class="folio-check__table"><thead><tr><th>oracle</th><th>kind</th>'
                    "<th>cases</th><th>measured</th><th>tolerance</th><th>altered versions "
                    "caught</th><th>result</th></tr></thead><tbody>"
                    + "".join(rows) + "</tbody></table>")
    mutation = _mutation_details(m)
    if mutation:
        body.append(mutation)
    src = function_source(result["counterpart_where"], root) if result.get("counterpart_where") else None
    if src:
        code, rel, line = src
        body.append(f"<p>Code counterpart ({_code_link(rel, line)}):</p>"
                    f'<pre class="folio-check__source"><code>{html.escape(code)}</code></pre>')
    return (f'<details class="folio-check folio-check--{state} {admonition}">\n'
            f"<summary>{summary}</summary>\n" + "\n".join(body) + "\n</details>")
