"""Equation status as a table for the terminal, and as data."""

from __future__ import annotations

from .equations import PostEquations


def rows(posts: list[PostEquations]) -> list[dict]:
    out = []
    for pe in posts:
        for r in pe.results:
            if not r.checks:
                out.append({"post": pe.slug, "label": r.label, "oracle": "-", "max_error": None,
                            "tolerance": "-", "passed": False, "message": r.problem})
            for c in r.checks:
                err = c.max_rel_error
                out.append({"post": pe.slug, "label": r.label, "oracle": c.oracle,
                            "check": c.name, "cases": c.cases, "max_error": err,
                            "max_se": c.max_se, "tolerance": c.tolerance, "passed": c.passed,
                            "message": c.message})
        for label in pe.orphans:
            out.append({"post": pe.slug, "label": label, "oracle": "-", "max_error": None,
                        "tolerance": "-", "passed": False,
                        "message": "counterpart registered, but the post displays no such equation"})
    return out


def table(posts: list[PostEquations]) -> str:
    lines = [f"{'post':<32} {'label':<30} {'result':<6} {'max rel err':>11}  oracle"]
    for row in rows(posts):
        err = "-" if row["max_error"] is None else f"{row['max_error']:.2e}"
        if row.get("max_se") is not None:
            err = f"{row['max_se']:.1f} SE"
        mark = "pass" if row["passed"] else "FAIL"
        lines.append(f"{row['post'][:32]:<32} {row['label'][:30]:<30} {mark:<6} {err:>11}  "
                     f"{row['oracle']}")
        if not row["passed"] and row["message"]:
            lines.append(f"{'':<32}   {row['message']}")
    total = sum(len(p.results) for p in posts)
    ok = sum(p.verified for p in posts)
    lines.append(f"{ok} of {total} equations verified")
    return "\n".join(lines)
