"""How build times grow with the site: the synthetic blog at 11, 100 and 500 posts, side by side.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 11 100 500] [--repeat 3] [--code-posts 100]

Each size is a fresh project with the repository's site set-up and that many synthetic prose
posts (benchmarks/synthetic.py, seeded). For each: a cold build, the first no-op build after it
(which should render no page and run no post), the no-op after that, a one-sentence prose edit
of one post and a title edit of another (medians of --repeat), each ``folio build --jobs 2`` as
a user runs it, with the number of pages the theme rendered; kernels are counted by a
kernelspec that logs each start (benchmarks/bench_build.py's Counter). Then ``folio serve`` on
the same project: seconds from saving a prose edit to the served page showing it, and to the
page open in Chromium showing it (live reload). Then the ratios 500/11 of the no-op, the prose
edit and the two serve figures, and, at the largest size, whether
the site after all the edits (and a build after the serve session) equals a clean build of the
edited posts byte for byte (outside report/).

Last, the synthetic site with one trivial code cell per post (--code-posts of them): its cold
execution as one shard (``folio build --shard 1/1 --no-site --jobs 1``) against two shards run
at once in two copies (``--shard 1/2`` and ``--shard 2/2``, ``--jobs 1`` each: two runners of
one core each, on this machine's two cores), then the merge of the two caches by copying and the
final build over it (which must start no kernel).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_build import Counter  # noqa: E402
from synthetic import generate, slug  # noqa: E402

sys.path.insert(0, str(HERE.parent))
from tests.test_reproducible import differing  # noqa: E402 - the same comparison as the test

REPO = HERE.parent
FOLIO = [str(Path(sys.executable).parent / "folio"), "build", "--keep-going"]
TARGET = 1.5


def project(dest: Path, n: int, *, code: bool = False) -> Path:
    dest.mkdir(parents=True)
    shutil.copytree(REPO / "site_src", dest / "site_src", ignore=shutil.ignore_patterns(
        "posts", "series", "notebooks", "report.md"))
    for name in ("mkdocs.yml", "requirements.lock"):
        shutil.copy(REPO / name, dest / name)
    generate(dest / "posts", n, code=code)
    return dest


def run(cmd: list[str], cwd: Path, counter: Counter) -> dict:
    counter.reset()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=counter.env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise BuildFailed(f"{' '.join(cmd[1:])} failed in {cwd.name}: {_last_error(proc.stderr)}")
    return {"s": seconds, "kernels": counter.count(), **summary(proc.stderr)}


class BuildFailed(Exception):
    pass


def _last_error(stderr: str) -> str:
    lines = [l for l in stderr.splitlines() if l.strip()]
    return next((l.strip() for l in reversed(lines) if "Error" in l or "error" in l),
                lines[-1] if lines else "no output")


def summary(stderr: str) -> dict:
    """What folio's last line says: pages rendered, posts by status, whether mkdocs ran."""
    line = next((l for l in reversed(stderr.splitlines()) if "page(s) rendered" in l), "")
    rendered = re.search(r"(\d+) page\(s\) rendered", line)
    theme = re.search(r"(\d+) of (\d+) pages rendered by the theme", stderr)
    statuses = dict((s, int(n)) for n, s in re.findall(r"(\d+) (\w+)[,;]", line.split(";")[0] + ";"))
    return {"rendered": int(rendered.group(1)) if rendered else -1,
            "ran": sum(n for s, n in statuses.items() if s not in ("cached", "prose", "frozen")),
            "mkdocs": "site written to" in stderr,
            "theme": f"{theme.group(1)}/{theme.group(2)}" if theme else "-",
            "mutants": "mutation analysis of" in stderr}


def edit_prose(root: Path, n: int, i: int) -> None:
    """One sentence added to one post's body (not its excerpt): a prose edit."""
    page = root / "posts" / slug(max(1, n // 2)) / "index.md"
    text = page.read_text()
    page.write_text(text.replace("## An example\n\n", f"## An example\n\nEdit {i} added this.\n\n", 1))


def edit_title(root: Path, n: int, i: int) -> None:
    """A title edit of another post: its page, the listings that show it and the feed change."""
    page = root / "posts" / slug(max(1, n // 3)) / "index.md"
    text = page.read_text()
    page.write_text(re.sub(r'^title: "(.*)"$', rf'title: "\1 (retitled {i})"', text, count=1,
                           flags=re.M))


def serve_edits(root: Path, n: int, repeat: int) -> dict[str, list[float]]:
    """``folio serve`` on the project: seconds from saving a prose edit to the served page
    showing it (folio re-renders the post, patches the site and the page is fetched), and, for
    as many edits again, to the page open in Chromium showing it (the live reload: the page
    reloads itself once the rebuild is written)."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(REPO))
    from tests.site_server import fetch, interrupt, start_serve, wait_for
    from tests.test_browser import ARGS, CHROMIUM

    proc, site = start_serve([FOLIO[0], "serve", "--port", "0", "--jobs", "2"], root,
                             root.parent / f"serve-{n}.log")
    url = site + f"blog/{slug(max(1, n // 2))}/"
    out: dict[str, list[float]] = {"serve": [], "refresh": []}
    try:
        wait_for(lambda: bool(fetch(url)), 300)
        time.sleep(2.0)  # the first build's own reload settles
        for i in range(repeat):
            k = 1000 + i
            edit_prose(root, n, k)
            out["serve"].append(wait_for(lambda: f"Edit {k} added this." in fetch(url), 120))
            time.sleep(1.0)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(url)
            time.sleep(1.0)
            for i in range(repeat):
                k = 2000 + i
                t0 = time.perf_counter()
                edit_prose(root, n, k)
                page.wait_for_function(
                    "document.querySelector('article')?.innerText.includes(" 
                    f"'Edit {k} added this.')", timeout=120_000, polling=10)
                out["refresh"].append(time.perf_counter() - t0)
                time.sleep(1.0)
            browser.close()
    finally:
        interrupt(proc, 20)
    return out


def bench_size(tmp: Path, n: int, counter: Counter, repeat: int, check_bytes: bool) -> dict:
    root = project(tmp / f"prose-{n}", n)
    cmd = FOLIO + ["--jobs", "2"]
    out = {"n": n, "cold": run(cmd, root, counter), "first_noop": run(cmd, root, counter)}
    out["noop"] = [run(cmd, root, counter) for _ in range(repeat)]
    out["prose"] = []
    for i in range(repeat):
        edit_prose(root, n, i)
        out["prose"].append(run(cmd, root, counter))
    out["title"] = []
    for i in range(repeat):
        edit_title(root, n, i)
        out["title"].append(run(cmd, root, counter))
    out.update(serve_edits(root, n, repeat))
    run(cmd, root, counter)  # after the preview session, the published site again
    if check_bytes:
        clean = tmp / f"prose-{n}-clean"
        shutil.copytree(root, clean, ignore=shutil.ignore_patterns("build", "blog/posts",
                                                                   "notebooks", "series"))
        run(cmd, clean, counter)
        out["differ"] = [d for d in differing(root / "build" / "site", clean / "build" / "site")
                         if not d.startswith("report/")]
        shutil.rmtree(clean)
    shutil.rmtree(root)
    return out


def bench_shards(tmp: Path, n: int, counter: Counter) -> dict:
    one = project(tmp / "code-one", n, code=True)
    single = run(FOLIO + ["--shard", "1/1", "--no-site", "--jobs", "1"], one, counter)
    roots = [project(tmp / f"code-shard{k}", n, code=True) for k in (1, 2)]
    counter.reset()
    t0 = time.perf_counter()
    procs = [subprocess.Popen(FOLIO + ["--shard", f"{k}/2", "--no-site", "--jobs", "1"], cwd=r,
                              env=counter.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for k, r in zip((1, 2), roots)]
    errs = [p.communicate()[1] for p in procs]
    both = time.perf_counter() - t0
    if any(p.returncode for p in procs):
        raise BuildFailed("a shard failed: " + "; ".join(_last_error(e) for e, p in zip(errs, procs)
                                                          if p.returncode))
    per_shard = [len(re.findall(r"^\s+\[\d+/\d+\] executed", e, re.M)) for e in errs]
    shard_kernels = counter.count()
    merged = project(tmp / "code-merged", n, code=True)
    t0 = time.perf_counter()
    for r in roots:
        shutil.copytree(r / "build" / "cache", merged / "build" / "cache", dirs_exist_ok=True)
    copy = time.perf_counter() - t0
    final = run(FOLIO + ["--jobs", "2"], merged, counter)
    whole = run(FOLIO + ["--jobs", "2"], one, counter)  # the same site, from one shard's cache
    for d in (one, merged, *roots):
        shutil.rmtree(d, ignore_errors=True)
    return {"n": n, "single": single, "both": both, "per_shard": per_shard,
            "shard_kernels": shard_kernels, "copy": copy, "final": final, "whole": whole}


def med(runs: list[dict]) -> float:
    return statistics.median(r["s"] for r in runs)


def report(sizes: list[dict], shards: dict | None, repeat: int) -> str:
    cores = os.cpu_count()
    lines = [f"scale benchmark: synthetic prose posts (benchmarks/synthetic.py, seeded), "
             f"folio build --jobs 2, {cores} cores, medians of {repeat}", "",
             "| posts | cold build | first no-op (pages rendered, posts run, kernels) | no-op | "
             "prose edit of one post (theme pages) | title edit (theme pages) | "
             "folio serve: prose edit saved -> page served | -> browser refreshed |",
             "|---:|---:|---|---:|---:|---:|---:|---:|"]
    for r in sizes:
        f = r["first_noop"]
        lines.append(f"| {r['n']} | {r['cold']['s']:.1f} s ({r['cold']['kernels']} kernels) | "
                     f"{f['s']:.2f} s ({f['rendered']}, {f['ran']}, {f['kernels']}) | "
                     f"{med(r['noop']):.2f} s | {med(r['prose']):.2f} s "
                     f"({r['prose'][-1]['theme']}) | {med(r['title']):.2f} s "
                     f"({r['title'][-1]['theme']}) | {statistics.median(r['serve']):.2f} s | "
                     f"{statistics.median(r['refresh']):.2f} s |")
    lines.append("")
    by_n = {r["n"]: r for r in sizes}
    lo, hi = (min(by_n), max(by_n)) if by_n else (0, 0)
    if lo != hi:
        for name, what in (("noop", "no-op"), ("prose", "prose edit"),
                           ("serve", "folio serve prose edit, page served"),
                           ("refresh", "folio serve prose edit, browser refreshed")):
            a, b = (statistics.median(x) if name in ("serve", "refresh") else med(x)
                    for x in (by_n[hi][name], by_n[lo][name]))
            ratio = a / b
            lines.append(f"{what} {hi}/{lo} posts = {a:.2f} / {b:.2f} s = {ratio:.2f}  "
                         f"(target <= {TARGET}: {'met' if ratio <= TARGET else 'not met'})")
    if lo != hi:
        t = statistics.median(by_n[hi]["refresh"])
        lines.append(f"folio serve at {hi} posts, prose edit saved -> browser refreshed: {t:.2f} s "
                     f"(goal < 0.5 s: {'met' if t < 0.5 else 'not met'})")
    clean = all(r["first_noop"]["rendered"] == 0 and r["first_noop"]["ran"] == 0
                and r["first_noop"]["kernels"] == 0 and not r["first_noop"]["mutants"]
                for r in sizes)
    if sizes:
        lines.append(f"first no-op after a cold build renders 0 pages and runs no post at "
                     f"every size: {'yes' if clean else 'NO'}")
    for r in sizes:
        if "differ" in r:
            d = r["differ"]
            lines.append(f"after the edits at {r['n']} posts, the site equals a clean build: "
                         + ("yes (outside report/)" if not d else f"NO, {len(d)} file(s): "
                            + ", ".join(d[:8])))
    if shards:
        s = shards
        lines += ["", f"cold execution of {s['n']} posts with one trivial code cell each "
                  "(--no-site):",
                  f"  1 shard  (--shard 1/1 --jobs 1):               {s['single']['s']:.1f} s "
                  f"({s['single']['kernels']} kernels)",
                  f"  2 shards at once (1/2 and 2/2, --jobs 1 each): {s['both']:.1f} s "
                  f"({s['shard_kernels']} kernels; {s['per_shard'][0]} + {s['per_shard'][1]} "
                  f"posts) = {s['both'] / s['single']['s']:.2f} of one shard",
                  f"  merge by copying the two caches: {s['copy']:.2f} s; final build over the "
                  f"merged cache: {s['final']['s']:.1f} s, {s['final']['kernels']} kernels, "
                  f"{s['final']['ran']} posts run",
                  f"  (for reference, the site build over the single shard's cache: "
                  f"{s['whole']['s']:.1f} s, {s['whole']['kernels']} kernels)"]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[11, 100, 500])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--code-posts", type=int, default=100, help="0 to skip the shard comparison")
    ap.add_argument("--out", type=Path, help="also write the table here")
    args = ap.parse_args()
    sizes, shards, failure = [], None, ""

    def write() -> str:
        text = report(sizes, shards, args.repeat)
        if failure:
            text += f"\nstopped: {failure}\n"
        if args.out:
            args.out.write_text(text)  # after every stage: a later failure keeps what was measured
        return text

    with tempfile.TemporaryDirectory(prefix="folio-bench-scale-") as t:
        tmp = Path(t)
        counter = Counter(tmp)
        try:
            for n in args.sizes:
                print(f"... {n} posts", file=sys.stderr, flush=True)
                sizes.append(bench_size(tmp, n, counter, args.repeat, n == max(args.sizes)))
                write()
            if args.code_posts:
                print(f"... {args.code_posts} code posts, 1 shard vs 2", file=sys.stderr,
                      flush=True)
                shards = bench_shards(tmp, args.code_posts, counter)
        except BuildFailed as exc:
            failure = str(exc)
    print(write(), end="")
    sys.exit(1 if failure else 0)


if __name__ == "__main__":
    main()
