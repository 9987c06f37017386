"""folio against mkdocs-jupyter on the real posts, measured side by side in one run.

    .venv/bin/python benchmarks/bench_build.py [--repeat 3] [--cold-repeat 1] [--pairs 3]

For each tool, on a copy of the posts: a cold build, a no-op rebuild, a rebuild after a one-sentence
prose edit, after a code edit, and (folio only) after an edit to a kernels/ module, and with
``folio serve`` running, the time from saving an edit to the served page showing it; then the two
tools' code edits again, back to back in pairs (the machine's speed drifts). Prints medians,
the ratios folio / mkdocs-jupyter, and how many Jupyter kernels each build started (counted by a
kernelspec that logs each launch, shared by both tools). Also: the serial sum of post execution
times (a cold build with --jobs 1) against the parallel cold build, in back-to-back pairs, and whether two clean builds of
the real site are byte-identical (apart from the build report page).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext

REPO = Path(__file__).resolve().parent.parent
# The lightest and the heaviest post to execute: a prose edit costs mkdocs-jupyter a re-execution,
# so the ratio depends on which post is edited; both are reported.
EDIT_POSTS = ("how-long-is-a-matrix", "dl-thinking-loss-functions")
EDIT_KERNEL = "kernels/quant.py"

class Counter:
    """Counts kernel starts with an IPython startup file (``$IPYTHONDIR``, which both tools'
    kernels run; folio passes IPYTHONDIR through to its kernels, which do not use the
    kernelspec: they are pinned to the build's interpreter). A 'python3' kernelspec first on
    JUPYTER_PATH points mkdocs-jupyter at this interpreter too."""

    def __init__(self, tmp: Path):
        self.log = tmp / "kernel-starts.log"
        spec = tmp / "jupyter" / "kernels" / "python3"
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3", "language": "python"}))
        startup = tmp / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-count-kernel-starts.py").write_text(
            f"with open({str(self.log)!r}, 'a') as f:\n    f.write('start\\n')\n")
        self.env = dict(os.environ, JUPYTER_PATH=str(tmp / "jupyter"),
                        IPYTHONDIR=str(tmp / "ipython"),
                        NO_MKDOCS_2_WARNING="1")

    def reset(self) -> None:
        self.log.write_text("")

    def count(self) -> int:
        return len(self.log.read_text().splitlines()) if self.log.exists() else 0


def timed(cmd: list[str], cwd: Path, counter: Counter) -> tuple[float, int]:
    counter.reset()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=counter.env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n{proc.stderr[-3000:]}")
    return seconds, counter.count()


# --- the two projects -----------------------------------------------------------------------

def folio_project(dest: Path) -> Path:
    for name in ("posts", "kernels"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "site_src", dest / "site_src", ignore=shutil.ignore_patterns(
        "posts", "series", "notebooks", "report.md"))
    shutil.copytree(REPO / "figures", dest / "figures")  # frozen GPU results live here
    for name in ("mkdocs.yml", "requirements.lock"):
        shutil.copy(REPO / name, dest / name)
    return dest


MKJ_CONFIG = """site_name: mkdocs-jupyter baseline
docs_dir: docs
site_dir: site
theme:
  name: material
  font: false
plugins:
  - search
  - mkdocs-jupyter:
      execute: true
      allow_errors: false
      include: ["*.ipynb"]
markdown_extensions:
  - pymdownx.arithmatex:
      generic: true
"""


def mkj_project(dest: Path) -> Path:
    """The same posts as jupytext notebooks (with their modules beside them) in a plain
    Material site executed by mkdocs-jupyter, its cache on."""
    docs = dest / "docs"
    docs.mkdir(parents=True)
    (dest / "mkdocs.yml").write_text(MKJ_CONFIG)
    (docs / "index.md").write_text("# Posts\n")
    for index in sorted((REPO / "posts").glob("*/index.md")):
        slug = index.parent.name
        nb = jupytext.read(index)
        # GPU cells cannot run here; folio skips them too (and shows frozen results).
        nb.cells = [c for c in nb.cells if "gpu" not in c.metadata.get("tags", [])]
        jupytext.write(nb, docs / f"{slug}.ipynb", fmt="ipynb")
    shutil.copytree(REPO / "kernels", dest / "kernels", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def mkj_env_paths(dest: Path) -> str:
    # Kernels start in the mkdocs working directory; the posts import their modules by name.
    dirs = [str(p) for p in sorted((REPO / "posts").iterdir()) if p.is_dir()]
    return os.pathsep.join(dirs + [str(dest)])


# --- edits ----------------------------------------------------------------------------------

def prose_edit(path: Path, n: int) -> None:
    text = path.read_text()
    marker = "<!-- more -->"
    path.write_text(text.replace(marker, f"{marker}\n\nThis sentence was added by edit {n}.", 1))


def code_edit_md(path: Path, n: int) -> None:
    text = path.read_text()
    path.write_text(text.replace("```{code-cell} ipython3\n", f"```{{code-cell}} ipython3\n# edit {n}\n", 1))


def nb_edit(path: Path, n: int, kind: str) -> None:
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == kind:
            src = "".join(cell["source"])
            cell["source"] = (f"# edit {n}\n" + src) if kind == "code" else (src + f"\n\nThis sentence was added by edit {n}.")
            break
    path.write_text(json.dumps(nb))


# --- measurements ---------------------------------------------------------------------------

SCENARIOS = ("cold", "noop", "site", "prose0", "code0", "prose1", "code1", "kernels")


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def bench_folio(root: Path, counter: Counter, repeat: int, cold_repeat: int) -> dict:
    folio = [str(Path(sys.executable).parent / "folio"), "build", "--keep-going"]
    out: dict[str, list] = {k: [] for k in SCENARIOS}
    kern: dict[str, int] = {}
    for _ in range(cold_repeat):
        shutil.rmtree(root / "build", ignore_errors=True)
        shutil.rmtree(root / ".cache", ignore_errors=True)
        s, k = timed(folio, root, counter)
        out["cold"].append(s); kern["cold"] = k
    about = root / "site_src" / "about.md"
    for i in range(repeat):
        s, k = timed(folio, root, counter); out["noop"].append(s); kern["noop"] = k
        # A hand-written page changes: no post to execute or render, but mkdocs must run.
        about.write_text(about.read_text() + f"\n<!-- edit {i} -->\n")
        s, k = timed(folio, root, counter); out["site"].append(s); kern["site"] = k
        for n, slug in enumerate(EDIT_POSTS):
            post = root / "posts" / slug / "index.md"
            prose_edit(post, i)
            s, k = timed(folio, root, counter); out[f"prose{n}"].append(s); kern[f"prose{n}"] = k
            code_edit_md(post, i)
            s, k = timed(folio, root, counter); out[f"code{n}"].append(s); kern[f"code{n}"] = k
    reran = []
    kfile = root / EDIT_KERNEL
    if kfile.exists():
        for i in range(repeat):
            kfile.write_text(kfile.read_text() + f"\n# edit {i}\n")
            s, k = timed(folio, root, counter); out["kernels"].append(s); kern["kernels"] = k
        reran = sorted(_last_executed(root))
    return {"seconds": {k: median(v) for k, v in out.items()}, "kernels": kern, "reran": reran}


def _last_executed(root: Path) -> set[str]:
    report = json.loads((root / "build" / "report.json").read_text())
    return {p["slug"] for p in report["posts"] if p["status"] == "executed"}


def bench_mkj(root: Path, counter: Counter, repeat: int, cold_repeat: int) -> dict:
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q"]
    counter.env["PYTHONPATH"] = mkj_env_paths(root)
    out: dict[str, list] = {k: [] for k in SCENARIOS if k not in ("kernels", "site")}
    kern: dict[str, int] = {}
    for _ in range(cold_repeat):
        shutil.rmtree(root / "site", ignore_errors=True)
        shutil.rmtree(root / ".cache", ignore_errors=True)
        s, k = timed(cmd, root, counter); out["cold"].append(s); kern["cold"] = k
    for i in range(repeat):
        s, k = timed(cmd, root, counter); out["noop"].append(s); kern["noop"] = k
        for n, slug in enumerate(EDIT_POSTS):
            nb = root / "docs" / f"{slug}.ipynb"
            nb_edit(nb, i, "markdown")
            s, k = timed(cmd, root, counter); out[f"prose{n}"].append(s); kern[f"prose{n}"] = k
            nb_edit(nb, i, "code")
            s, k = timed(cmd, root, counter); out[f"code{n}"].append(s); kern[f"code{n}"] = k
    counter.env.pop("PYTHONPATH")
    return {"seconds": {k: median(v) for k, v in out.items()}, "kernels": kern}


def paired_code_edits(froot: Path, mroot: Path, counter: Counter, pairs: int) -> dict:
    """Code edits to each post, folio's and mkdocs-jupyter's back to back, ``pairs`` times: the
    machine's speed drifts within minutes, so the ratio is taken pair by pair (median)."""
    folio = [str(Path(sys.executable).parent / "folio"), "build", "--keep-going"]
    mkj = [sys.executable, "-m", "mkdocs", "build", "-q"]
    out: dict[str, list] = {}
    for i in range(pairs):
        n0 = 200 + i  # distinct from the other scenarios' edits
        for n, slug in enumerate(EDIT_POSTS):
            code_edit_md(froot / "posts" / slug / "index.md", n0)
            fs, _ = timed(folio, froot, counter)
            nb_edit(mroot / "docs" / f"{slug}.ipynb", n0, "code")
            counter.env["PYTHONPATH"] = mkj_env_paths(mroot)
            try:
                ms, _ = timed(mkj, mroot, counter)
            finally:
                counter.env.pop("PYTHONPATH")
            out.setdefault(slug, []).append((fs, ms))
    return out


def bench_serve(root: Path, counter: Counter, repeat: int) -> dict:
    """``folio serve`` on the real posts (caches warm): seconds from saving an edit to the served
    page showing it, and the kernels each edit started."""
    sys.path.insert(0, str(REPO))
    from tests.site_server import fetch, interrupt, start_serve, wait_for

    slug = EDIT_POSTS[0]
    post = root / "posts" / slug / "index.md"
    proc, site = start_serve([str(Path(sys.executable).parent / "folio"), "serve", "--port", "0"],
                             root, root.parent / "serve.log", env=counter.env)
    url = site + f"blog/{slug}/"
    out: dict[str, list] = {"serve-prose": [], "serve-code": []}
    kern: dict[str, int] = {}
    try:
        wait_for(lambda: bool(fetch(url)), 300)
        for i in range(repeat):
            n = 100 + i  # distinct from the numbers of the build scenarios' edits
            for key, edit, marker in (("serve-prose", prose_edit, f"added by edit {n}."),
                                      ("serve-code", code_edit_md, f"# edit {n}")):
                counter.reset()
                edit(post, n)
                out[key].append(wait_for(lambda: marker in fetch(url), 120))
                time.sleep(1.0)  # let the rebuild finish before counting its kernels
                kern[key] = counter.count()
    finally:
        interrupt(proc, 20)
    return {"seconds": {k: median(v) for k, v in out.items()}, "kernels": kern}


def serial_sum(root: Path, counter: Counter) -> float:
    """Sum of per-post execution times from a cold build that runs one post at a time."""
    shutil.rmtree(root / "build", ignore_errors=True)
    timed([str(Path(sys.executable).parent / "folio"), "build", "--keep-going", "--jobs", "1",
           "--no-site"], root, counter)
    report = json.loads((root / "build" / "report.json").read_text())
    return sum(p["seconds"] for p in report["posts"])


def cold_vs_serial(tmp: Path, counter: Counter, pairs: int) -> list[tuple[float, float]]:
    """Pairs of (cold parallel build, serial execution sum), each from fresh copies, one right
    after the other: this machine's speed drifts by 20% over minutes, so each ratio compares
    two measurements taken under the same conditions."""
    out = []
    for i in range(pairs):
        cold, _ = timed([str(Path(sys.executable).parent / "folio"), "build", "--keep-going"],
                        folio_project(tmp / f"pair-cold-{i}"), counter)
        out.append((cold, serial_sum(folio_project(tmp / f"pair-serial-{i}"), counter)))
        print(f"  cold / serial pair {i + 1}: {out[-1][0]:.1f} / {out[-1][1]:.1f}", flush=True)
    return out


def reproducible(tmp: Path, counter: Counter) -> list[str]:
    """Build the real site twice from clean copies; list files that differ (report page aside)."""
    sites = []
    for name in ("a", "b"):
        root = folio_project(tmp / f"repro-{name}")
        timed([str(Path(sys.executable).parent / "folio"), "build", "--keep-going"], root, counter)
        sites.append(root / "build" / "site")
    diffs = []

    def walk(cmp: filecmp.dircmp, rel: str = "") -> None:
        for name in cmp.left_only + cmp.right_only:
            diffs.append(f"{rel}{name} (only in one build)")
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        diffs.extend(f"{rel}{n}" for n in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{rel}{name}/")

    walk(filecmp.dircmp(*sites))
    return [d for d in diffs if not d.startswith("report/")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each rebuild (median taken)")
    ap.add_argument("--cold-repeat", type=int, default=1, help="cold builds per tool")
    ap.add_argument("--pairs", type=int, default=3, help="(cold build, serial sum) pairs (median ratio)")
    ap.add_argument("--skip-repro", action="store_true", help="skip the two-clean-builds check")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="folio-bench-") as t:
        tmp = Path(t)
        counter = Counter(tmp)
        print(f"benchmark: {len(list((REPO / 'posts').glob('*/index.md')))} posts, {os.cpu_count()} cores, "
              f"{args.repeat} repeats (medians), edits to posts/{{{','.join(EDIT_POSTS)}}} and {EDIT_KERNEL}", flush=True)
        # Project folders are not named after packages: a kernel's working directory is on its path.
        f = bench_folio(folio_project(tmp / "proj-f"), counter, args.repeat, args.cold_repeat)
        print(f"folio: {json.dumps(f)}", flush=True)
        sv = bench_serve(tmp / "proj-f", counter, args.repeat)
        print(f"folio serve: {json.dumps(sv)}", flush=True)
        m = bench_mkj(mkj_project(tmp / "proj-m"), counter, args.repeat, args.cold_repeat)
        print(f"mkdocs-jupyter: {json.dumps(m)}", flush=True)
        paired = paired_code_edits(tmp / "proj-f", tmp / "proj-m", counter, args.repeat)
        print(f"code edits, paired: {json.dumps(paired)}", flush=True)
        pairs = cold_vs_serial(tmp, counter, args.pairs)
        diffs = [] if args.skip_repro else reproducible(tmp, counter)

    rows = [("cold build", "cold"), ("no-op rebuild", "noop"), ("site-page edit (mkdocs only)", "site")]
    for n, slug in enumerate(EDIT_POSTS):
        rows += [(f"prose edit, {slug}", f"prose{n}"), (f"code edit, {slug}", f"code{n}")]
    rows.append(("kernels/ edit", "kernels"))
    print()
    print("| scenario | folio (s) | kernels | mkdocs-jupyter (s) | kernels | folio / mkdocs-jupyter |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, key in rows:
        fs, fk = f["seconds"][key], f["kernels"].get(key, "")
        ms, mk = m["seconds"].get(key, float("nan")), m["kernels"].get(key, "")
        ratio = f"{fs / ms:.2f}" if ms == ms else "n/a"
        mcol = f"{ms:.1f}" if ms == ms else "n/a"
        print(f"| {label} | {fs:.1f} | {fk} | {mcol} | {mk if mcol != 'n/a' else 'n/a'} | {ratio} |")
    fs, ms = f["seconds"], m["seconds"]
    print()
    print(f"posts re-run by the kernels/ edit: {', '.join(f['reran']) or 'none'}")
    print(f"folio serve, edit saved -> served page shows it ({EDIT_POSTS[0]}): "
          f"prose edit {sv['seconds']['serve-prose']:.1f} s ({sv['kernels'].get('serve-prose')} kernels), "
          f"code edit {sv['seconds']['serve-code']:.1f} s ({sv['kernels'].get('serve-code')} kernel)")
    print("targets:")
    for n, slug in enumerate(EDIT_POSTS):
        print(f"  prose edit / folio no-op          = {fs[f'prose{n}'] / fs['noop']:.2f}  (target <= 1.10; {slug}; "
              f"the no-op skips mkdocs, so also: / site-page edit = {fs[f'prose{n}'] / fs['site']:.2f})")
        print(f"  prose edit / mkdocs-jupyter prose = {fs[f'prose{n}'] / ms[f'prose{n}']:.2f}  (target <= 0.25; {slug})")
        print(f"  code edit / mkdocs-jupyter code   = {fs[f'code{n}'] / ms[f'code{n}']:.2f}  (target <= 0.50; {slug})")
        both = paired[slug]
        print(f"    the same, edits paired back to back = {median([a / b for a, b in both]):.2f}  (median of "
              f"{len(both)}: " + ", ".join(f"{a:.2f} / {b:.2f}" for a, b in both) + ")")
    print(f"  no-op / mkdocs-jupyter no-op      = {fs['noop'] / ms['noop']:.2f}  (target <= 1.00)")
    ratios = sorted(c / sr for c, sr in pairs)
    print(f"  cold build / serial execution sum = {median(ratios):.3f}  (target <= 0.60; median of "
          f"{len(pairs)} pairs: " + ", ".join(f"{c:.1f} / {sr:.1f}" for c, sr in pairs) + ")")
    if not args.skip_repro:
        print(f"reproducible: two clean builds differ in {len(diffs)} file(s) outside report/"
              + (": " + ", ".join(diffs[:10]) if diffs else ""))


if __name__ == "__main__":
    main()
