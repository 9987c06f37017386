"""The build report: ``build/report.json`` for machines, and a page on the site for people."""

from __future__ import annotations

import json
from pathlib import Path

from .execute.result import ExecutionResult
from .render.files import write_atomic


def mutant_counts(eqs: list[dict]) -> dict:
    ms = [e["mutation"] for e in eqs if e.get("mutation") and not e["mutation"].get("skipped")]
    return {"total": sum(m["total"] for m in ms), "caught": sum(m["caught"] for m in ms),
            "equivalent": sum(len(m["equivalent"]) for m in ms),
            "survivors": sum(len(m["survivors"]) for m in ms)}


def post_record(r: ExecutionResult) -> dict:
    eqs = r.checks.get("equations", []) if r.checks else []
    return {
        "slug": r.slug,
        "status": r.status,
        "seconds": r.seconds,
        "peak_memory_mb": r.peak_memory_mb,
        "device": r.device,
        "gpu_pending": r.gpu_pending,
        "equations": {"total": len(eqs), "verified": sum(bool(e.get("verified")) for e in eqs),
                      "consistent": sum(e.get("status") == "consistent" for e in eqs)},
        "mutants": mutant_counts(eqs),
        "checks": eqs,
        "error": r.error.render() if r.error else None,
    }


def record(results: dict[str, ExecutionResult], problems: list[str]) -> dict:
    return {"posts": [post_record(results[s]) for s in sorted(results)], "problems": problems}


def write_json(path: Path, report: dict) -> None:
    """Without ``indent``, which json writes in pure Python (0.07 s at 500 posts)."""
    write_atomic(path, json.dumps(report, ensure_ascii=False))


def page(report: dict) -> str:
    """Markdown for ``/report/``. It shows how each post's outputs were made (not whether this
    build took them from the cache: that is build/report.json's business, and would make a no-op
    rebuild change the site). Its timings are the one thing that differs between two clean builds
    of the same commit."""
    lines = ["# Build report", "",
             "How each post's outputs were made: by running its code, or partly from frozen GPU "
             "or profiling results; the time its code took when it last ran, the kernel's peak "
             "memory, the device, how many of its equations were verified against an "
             "independent oracle, and how many altered versions of their code (a flipped sign, a "
             "factor, a dropped transpose, ...) the checks caught.", "",
             "| post | outputs | seconds | peak memory (MB) | device | equations verified | "
             "altered versions caught |",
             "|---|---|---:|---:|---|---|---|"]
    for p in report["posts"]:
        mem = "" if p["peak_memory_mb"] is None else f"{p['peak_memory_mb']:.0f}"
        eq = p["equations"]
        pending = f" ({p['gpu_pending']} GPU cells pending)" if p["gpu_pending"] else ""
        link = f"[{p['slug']}](blog/posts/{p['slug']}.md)" if p["status"] != "failed" else p["slug"]
        made = {"cached": "executed"}.get(p["status"], p["status"])
        mu = p.get("mutants") or {}
        caught = (f"{mu['caught']} of {mu['total'] - mu['equivalent']}"
                  + (f" ({mu['survivors']} survive)" if mu["survivors"] else "")
                  if mu.get("total") else "-")
        consistent = f", {eq['consistent']} only consistent" if eq.get("consistent") else ""
        lines.append(f"| {link} | {made}{pending} | {p['seconds']:.1f} | {mem} | "
                     f"{p['device']} | {eq['verified']} of {eq['total']}{consistent} | {caught} |")
    total = sum(p["equations"]["total"] for p in report["posts"])
    ok = sum(p["equations"]["verified"] for p in report["posts"])
    lines += ["", f"**{ok} of {total} equations verified.**", ""]
    return "\n".join(lines)
