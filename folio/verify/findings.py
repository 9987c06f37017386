"""What a post's equation checks and their mutation analysis say to the author, as messages.

Each finding has a severity: "error" fails every build; "strict" is a warning that fails
``folio build --strict``; "warning" never fails a build.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .api import KINDS

MAX_LISTED = 5  # survivors named in one message; `folio equations --mutants` lists them all


@dataclass(frozen=True)
class Finding:
    severity: str
    message: str


def _nearest(label: str, candidates) -> str:
    close = difflib.get_close_matches(label, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def equation_findings(slug: str, checks: dict) -> list[Finding]:
    where = f"posts/{slug}/index.md"
    out: list[Finding] = []
    equations = checks.get("equations", [])
    orphans = checks.get("orphans", [])
    orphan_checks = checks.get("orphan_checks", [])
    for e in equations:
        label, status = e["label"], e.get("status", "verified" if e.get("verified") else "failed")
        if status == "failed":
            failing = next((c for c in e.get("checks", []) if not c["passed"]), None)
            why = failing["message"] if failing else e.get("problem", "")
            if not e.get("checks") and e.get("problem", "").startswith("no counterpart"):
                why += _nearest(label, orphans)
            elif not e.get("checks"):
                why += _nearest(label, orphan_checks)
            out.append(Finding("strict", f"{where}: equation {label} is not verified: {why}"))
            continue
        for c in e.get("checks", []):
            if c.get("same_shape"):
                out.append(Finding("strict", f"{where}: equation {label}: {c['same_shape']}; "
                                   "check it against another derivation, a simulation, a library "
                                   "routine or an exact special case"))
        if status == "consistent":
            kinds = sorted({c.get("kind", "?") for c in e.get("checks", [])})
            out.append(Finding("strict", (
                f"{where}: equation {label} is only consistent, not verified: its checks are "
                f"{' and '.join(kinds)}, which would share an error in the equation; add a check "
                "of an independent kind (" + ", ".join(k for k in KINDS if k not in
                                                       ("property", "reimplementation")) + ")")))
        m = e.get("mutation")
        if not m:
            continue
        if m.get("skipped"):
            out.append(Finding("warning", f"{where}: equation {label}: no mutation analysis "
                                          f"({m['skipped']})"))
            continue
        survivors = m.get("survivors", [])
        if survivors:
            listed = "; ".join(f"{s['id']} ({s['diff']})" for s in survivors[:MAX_LISTED])
            more = f"; and {len(survivors) - MAX_LISTED} more" if len(survivors) > MAX_LISTED else ""
            out.append(Finding("strict", (
                f"{where}: equation {label}: its checks pass {len(survivors)} of "
                f"{m['total']} altered versions of the counterpart: {listed}{more}. Add a check "
                "that catches them, or, if one computes the same function, declare it with "
                f"@equation({label!r}, equivalent={{'<id>': '<why>'}}); "
                f"`folio equations --post {slug} --mutants` lists them")))
        for name in m.get("cannot_fail", []):
            out.append(Finding("warning", (
                f"{where}: equation {label}: the check {name} caught none of the "
                f"{m['total']} altered versions the other checks caught; it tests nothing the "
                "counterpart could get wrong")))
        for mid in m.get("stale_equivalent", []):
            out.append(Finding("warning", (
                f"{where}: equation {label}: {mid!r} is declared equivalent, but the checks catch "
                "it or no such mutant exists any more; remove the declaration")))
    for label in orphans:
        out.append(Finding("warning", f"posts/{slug}: a counterpart is registered for {label}, "
                           "which the post does not display"
                           + _nearest(label, [e["label"] for e in equations])))
    for label in orphan_checks:
        out.append(Finding("strict", f"posts/{slug}: a check is registered for {label}, which "
                           "has no counterpart and is not displayed, so it never runs"
                           + _nearest(label, [e["label"] for e in equations])))
    if checks.get("mutation_error"):
        out.append(Finding("strict", f"posts/{slug}: {checks['mutation_error']}"))
    return out
