"""Equation status as a table for the terminal, and as data."""

from __future__ import annotations

from .equations import PostEquations


def mutation_summary(m: dict | None) -> dict:
    """Counts and lists of one equation's mutation analysis (``{}`` when it has none)."""
    if not m:
        return {}
    return {"total": m["total"], "caught": m["caught"], "equivalent": m["equivalent"],
            "survivors": m["survivors"], "cannot_fail": m["cannot_fail"],
            "skipped": m["skipped"]}


def rows(posts: list[PostEquations], mutations: dict | None = None) -> list[dict]:
    """One row per check (or per equation without one). ``mutations``: (slug, label) -> the
    label's mutation analysis."""
    mutations = mutations or {}
    out = []
    for pe in posts:
        for r in pe.results:
            m = mutation_summary(mutations.get((pe.slug, r.label)))
            if not r.checks:
                out.append({"post": pe.slug, "label": r.label, "status": r.status, "oracle": "-",
                            "kind": "-", "max_error": None, "tolerance": "-", "passed": False,
                            "message": r.problem, "mutants": m})
            for c in r.checks:
                out.append({"post": pe.slug, "label": r.label, "status": r.status,
                            "oracle": c.oracle, "kind": c.kind, "independent": c.independent,
                            "same_shape": c.same_shape, "check": c.name, "cases": c.cases,
                            "max_error": c.max_rel_error, "max_abs_error": c.max_abs_error,
                            "max_se": c.max_se, "tolerance": c.tolerance, "passed": c.passed,
                            "message": c.message, "mutants": m,
                            "mutants_caught_by_check": (mutations.get((pe.slug, r.label)) or {})
                            .get("by_check", {}).get(c.name)})
        for label in pe.orphans:
            out.append({"post": pe.slug, "label": label, "status": "failed", "oracle": "-",
                        "kind": "-", "max_error": None, "tolerance": "-", "passed": False,
                        "message": "counterpart registered, but the post displays no such equation",
                        "mutants": {}})
    return out


def _mutants_cell(m: dict) -> str:
    if not m:
        return "-"
    if m.get("skipped"):
        return "n/a"
    eq = f"+{len(m['equivalent'])}≡" if m["equivalent"] else ""
    return f"{m['caught']}/{m['total']}{eq}"


def table(posts: list[PostEquations], mutations: dict | None = None, *,
          list_mutants: bool = False) -> str:
    lines = [f"{'post':<28} {'label':<28} {'result':<10} {'max rel err':>11} {'mutants':>9}  "
             "oracle (kind)"]
    seen = set()
    for row in rows(posts, mutations):
        err = "-" if row["max_error"] is None else f"{row['max_error']:.2e}"
        if row.get("max_se") is not None:
            err = f"{row['max_se']:.1f} SE"
        mark = {"verified": "verified", "consistent": "consistent"}.get(row["status"], "FAIL")
        if row["status"] != "failed" and not row["passed"]:
            mark = "FAIL"
        m = row["mutants"]
        first = (row["post"], row["label"]) not in seen
        seen.add((row["post"], row["label"]))
        lines.append(f"{row['post'][:28]:<28} {row['label'][:28]:<28} {mark:<10} {err:>11} "
                     f"{_mutants_cell(m) if first else '':>9}  {row['oracle']} ({row['kind']})")
        if not row["passed"] and row["message"]:
            lines.append(f"{'':<30} {row['message']}")
        if row.get("same_shape"):
            lines.append(f"{'':<30} flagged: {row['same_shape']}")
        if first and m and (list_mutants or m["survivors"]):
            for s in m["survivors"]:
                lines.append(f"{'':<30} survives {s['id']}: {s['diff']}")
            if list_mutants:
                for s in m["equivalent"]:
                    lines.append(f"{'':<30} equivalent {s['id']}: {s['diff']} ({s['reason']})")
    total = sum(len(p.results) for p in posts)
    ok = sum(p.verified for p in posts)
    consistent = sum(r.status == "consistent" for p in posts for r in p.results)
    ms = [mutation_summary(m) for m in (mutations or {}).values()]
    caught, n = sum(m["caught"] for m in ms), sum(m["total"] for m in ms)
    survivors = sum(len(m["survivors"]) for m in ms)
    lines.append(f"{ok} of {total} equations verified, {consistent} only consistent; mutants: "
                 f"{caught} of {n} caught, {survivors} surviving")
    return "\n".join(lines)
