"""``make audit``: Lighthouse (mobile), axe-core and the Nu HTML Checker over the front page, the
blog index and every post page.

Serves build/site on a loopback port, audits each page, prints a table per page and the minimum of
each score, and exits 1 when a page misses a target. ``--pages index blog SLUG...`` audits only
the pages named (``index``: the site's front page; ``blog``: the blog index; a post's slug). Lighthouse runs each page
``--runs`` times (default 3) and reports the run with the median performance score, as
Lighthouse's own guidance on variability advises; the table shows the range beside it. Targets:
Lighthouse performance, accessibility, best practices and SEO >= 0.95; under 500 KB transferred
before figures; no serious or critical axe violation; no Nu checker error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.site_server import SiteServer  # noqa: E402
from tests.test_browser import scroll_through  # noqa: E402

AUDIT = REPO / "audit"
SITE = REPO / "build" / "site"
CHROME = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGET = 0.95
BUDGET_KB = 500


def lighthouse(url: str, out: Path) -> dict:
    cmd = [str(AUDIT / "node_modules" / ".bin" / "lighthouse"), url, "--output=json",
           f"--output-path={out}", f"--chrome-flags={FLAGS}", "--quiet",
           f"--only-categories={','.join(CATEGORIES)}"]
    subprocess.run(cmd, env=dict(os.environ, CHROME_PATH=CHROME), check=True, timeout=300,
                   capture_output=True)
    data = json.loads(out.read_text())
    scores = {c: data["categories"][c]["score"] for c in CATEGORIES}
    requests = data["audits"]["network-requests"]["details"]["items"]
    before_figures = sum(r.get("transferSize", 0) for r in requests if r.get("resourceType") != "Image")
    failing = [k for k, a in data["audits"].items()
               if a.get("score") is not None and a["score"] < 0.9
               and a.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")]
    return {**scores, "kb_before_figures": before_figures / 1024,
            "benchmark_index": data.get("environment", {}).get("benchmarkIndex", 0),
            "kb_total": data["audits"]["total-byte-weight"]["numericValue"] / 1024,
            "failing_audits": failing}


def axe(urls: list[str]) -> dict[str, list[str]]:
    from playwright.sync_api import sync_playwright

    script = (AUDIT / "node_modules" / "axe-core" / "axe.min.js").read_text()
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROME, args=FLAGS.split())
        for url in urls:
            for scheme in ("default", "slate"):
                page = browser.new_page(viewport={"width": 412, "height": 823})
                page.goto(url, wait_until="networkidle")
                page.evaluate(f"() => document.body.setAttribute('data-md-color-scheme', '{scheme}')")
                # Scrolled through as a reader would: folio.js makes a wide formula focusable
                # when the browser renders its block. Then every block rendered, so axe checks
                # the whole page, not only the first screen (folio.css lets the browser skip
                # off-screen blocks and excerpt cards with content-visibility).
                scroll_through(page)
                page.add_style_tag(content="article > *, .md-post--excerpt "
                                           "{ content-visibility: visible !important }")
                page.wait_for_timeout(600)  # Material animates colour changes; measure the end state
                page.add_script_tag(content=script)
                result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
                bad = [f"{v['id']} ({v['impact']}, {scheme}, {len(v['nodes'])} nodes)"
                       for v in result["violations"] if v["impact"] in ("serious", "critical")]
                out.setdefault(url, []).extend(bad)
                page.close()
        browser.close()
    return out


ARTICLE = re.compile(r'<article class="md-content__inner[^"]*">.*?</article>', re.S)
CONTENT = '<div class="md-content" data-md-component="content">'
DIV = re.compile(r"<div\b|</div\s*>")


def ours(page: str) -> str:
    """The part of a page folio renders: a post's article, or (the front page and the blog index,
    whose content is a list of excerpt cards, not one article) the content column."""
    m = ARTICLE.search(page)
    if m:
        return m.group(0)
    start = page.find(CONTENT)
    if start < 0:
        return ""
    depth = 0
    for d in DIV.finditer(page, start):
        depth += 1 if d.group(0) == "<div" else -1
        if depth == 0:
            return page[start:d.end()]
    return ""
SHELL = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>post</title></head>'
         "<body>\n{}\n</body></html>\n")


def nu(files: list[Path], tmp: Path) -> dict[str, list[str]]:
    """Nu checker errors in our own output: each page's article (what folio renders), in a
    minimal valid document. Material's own header, drawer and search markup are not ours."""
    jar = AUDIT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    fragments = {}
    for i, f in enumerate(files):
        frag = tmp / f"{i:03d}-{f.parent.name}.html"
        frag.write_text(SHELL.format(ours(f.read_text(encoding="utf-8"))), encoding="utf-8")
        fragments[str(frag)] = str(f)
    proc = subprocess.run(["java", "-jar", str(jar), "--errors-only", "--format", "json",
                           *fragments], capture_output=True, text=True, timeout=300)
    messages = json.loads(proc.stderr or '{"messages": []}')["messages"]
    out: dict[str, list[str]] = {}
    for m in messages:
        if m.get("type") == "error":
            out.setdefault(fragments.get(m["url"].removeprefix("file:"), m["url"]), []).append(
                f"line {m.get('lastLine')}: {m['message']}")
    return out


def median_run(url: str, tmp: Path, runs: int) -> dict:
    """The run with the median performance score; its scores, plus the range over all runs."""
    results = sorted((lighthouse(url, tmp / f"lh-{i}.json") for i in range(runs)),
                     key=lambda r: r["performance"])
    mid = results[len(results) // 2]
    return {**mid, "perf_range": (results[0]["performance"], results[-1]["performance"])}


def pages() -> dict[str, str]:
    """Every page the audit covers, by name: its path under build/site ("" is the front page)."""
    slugs = sorted(p.parent.name for p in (REPO / "posts").glob("*/index.md")
                   if (SITE / "blog" / p.parent.name / "index.html").is_file())
    found = {"index": "", "blog": "blog/"}
    return {name: path for name, path in {**found, **{s: f"blog/{s}/" for s in slugs}}.items()
            if (SITE / path / "index.html").is_file()}


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median kept)")
    ap.add_argument("--pages", nargs="+", metavar="PAGE",
                    help="audit only these pages: index (the front page), blog (the blog index), "
                         "post slugs (default: all of them)")
    args = ap.parse_args()
    if not (SITE / "index.html").is_file():
        sys.exit("build/site is missing: run `make site` first")
    every = pages()
    unknown = [p for p in args.pages or [] if p not in every]
    if unknown:
        sys.exit(f"no such page in build/site: {', '.join(unknown)} "
                 f"(the pages are: {', '.join(every)})")
    chosen = {p: every[p] for p in args.pages} if args.pages else every
    rows, ok = [], True
    with SiteServer(SITE) as server, tempfile.TemporaryDirectory() as tmp:
        urls = {s: f"{server.base}{path}" for s, path in chosen.items()}
        files = {s: SITE / path / "index.html" for s, path in chosen.items()}
        axe_results = axe(list(urls.values()))
        nu_results = nu(list(files.values()), Path(tmp))
        for s in chosen:
            lh = median_run(urls[s], Path(tmp), args.runs)
            axe_bad = axe_results.get(urls[s], [])
            nu_bad = nu_results.get(str(files[s]), [])
            rows.append((s, lh, axe_bad, nu_bad))
            print(f"  audited {s}", file=sys.stderr, flush=True)

    print(f"Lighthouse: median of {args.runs} run(s) per page (performance range in brackets)")
    index = [r[1]["benchmark_index"] for r in rows]
    # Lighthouse's measure of this machine's speed: its simulated phone scales what it observes
    # here, so a slower or busier machine scores lower for the same page.
    print(f"Lighthouse benchmarkIndex of this machine over the kept runs: {min(index):.0f}-{max(index):.0f}\n")
    print("| page | perf | a11y | best practices | SEO | KB before figures | KB total | axe serious+critical | Nu errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s, lh, axe_bad, nu_bad in rows:
        lo, hi = lh["perf_range"]
        print(f"| {s} | {lh['performance']:.2f} [{lo:.2f}–{hi:.2f}] | {lh['accessibility']:.2f} | {lh['best-practices']:.2f} "
              f"| {lh['seo']:.2f} | {lh['kb_before_figures']:.0f} | {lh['kb_total']:.0f} | {len(axe_bad)} | {len(nu_bad)} |")
        page_ok = (all(lh[c] >= TARGET for c in CATEGORIES) and lh["kb_before_figures"] < BUDGET_KB
                   and not axe_bad and not nu_bad)
        ok &= page_ok
    mins = {c: min(r[1][c] for r in rows) for c in CATEGORIES}
    print(f"| **minimum** | {mins['performance']:.2f} | {mins['accessibility']:.2f} | "
          f"{mins['best-practices']:.2f} | {mins['seo']:.2f} | "
          f"{max(r[1]['kb_before_figures'] for r in rows):.0f} (max) | "
          f"{max(r[1]['kb_total'] for r in rows):.0f} (max) | {sum(len(r[2]) for r in rows)} | "
          f"{sum(len(r[3]) for r in rows)} |")
    for s, lh, axe_bad, nu_bad in rows:
        details = ([f"lighthouse audits below 0.9: {', '.join(lh['failing_audits'])}"] if lh["failing_audits"] else []) \
            + [f"axe: {v}" for v in axe_bad] + [f"nu: {v}" for v in nu_bad[:5]]
        if details:
            print(f"\n{s}:\n  " + "\n  ".join(details))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
