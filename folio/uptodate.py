"""A `folio build` with nothing to do, answered from one look at the files' sizes and times.

A no-op build still read every post (from the parse memo), looked up every execution and render
memo and compared the site's inputs: at 500 posts that was 0.4 s of work for nothing. After a
build that succeeded, ``record`` keeps a stamp of everything a build reads (the project's
files, by name, size and modification time; folio's own code; the interpreter; the options and
environment variables that change what is built) and of what it wrote (build/site, the report,
the memos' files). The next ``folio build`` with the same stamp prints the recorded warnings and
summary and stops: like make, it trusts modification times; ``--force`` or touching a file
builds again.

The stamp is recorded only if no source changed while the build ran (its author-written part
is the same at the start and at the end), so an edit saved mid-build is built next time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from .config import Project
from .render.files import write_atomic
from .stamps import files, walk

# Written by folio into docs_dir (see config.Project and render.extras.dirs): not author input.
GENERATED = ("blog/posts", "series", "notebooks", "cards", "downloads", "report.md")
# What changes a build's outcome besides the files (see execute.env and render.memo).
ENVIRONMENT = ("FOLIO_PREVIEW", "SOURCE_DATE_EPOCH", "CUDA_VISIBLE_DEVICES")
_FOLIO = Path(__file__).resolve().parent


def sources(project: Project) -> str:
    """What authors write: posts, kernels, hand-written site pages, mkdocs.yml, the lock."""
    h = hashlib.sha256()
    files(h, [project.root / "mkdocs.yml", project.lock_file])
    walk(h, project.posts_dir)
    walk(h, project.kernels_dir)
    walk(h, project.docs_dir, GENERATED)
    return h.hexdigest()


def outputs(project: Project) -> str:
    """What a build writes and a later one reads: generated pages, figures, build outputs."""
    h = hashlib.sha256()
    for name in GENERATED:
        p = project.docs_dir / name
        walk(h, p) if p.is_dir() else files(h, [p])
    walk(h, project.figures_dir)
    build = project.build_dir
    files(h, [build / n for n in ("report.json", "render.json", "parse.pickle",
                                   "site-inputs.json", "site-sources.stamp")]
           + [project.site_dir / "index.html"])
    return h.hexdigest()


def _setting(opts) -> str:
    folio = hashlib.sha256()
    walk(folio, _FOLIO)
    env = {k: os.environ.get(k) for k in ENVIRONMENT}
    return json.dumps({"folio": folio.hexdigest(), "python": sys.executable,
                       "gpu": shutil.which("nvidia-smi") is not None, "env": env,
                       "strict": opts.strict, "keep_going": opts.keep_going, "site": opts.site,
                       "timeout": opts.timeout}, sort_keys=True)


def applies(opts) -> bool:
    """Only a plain build: --force, --only and shards build what they are asked to."""
    return not opts.force and not opts.only


def stamp(project: Project, opts, source: str | None = None) -> str:
    return hashlib.sha256("\0".join([source or sources(project), outputs(project),
                                     _setting(opts)]).encode()).hexdigest()


def _record_file(project: Project) -> Path:
    return project.build_dir / "up-to-date.json"


def lookup(project: Project, opts) -> tuple[dict | None, str]:
    """The recorded outcome of the last build if nothing it read has changed since (else
    None), and the sources' stamp now (for ``record`` after this build)."""
    source = sources(project)
    try:
        rec = json.loads(_record_file(project).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, source
    current = isinstance(rec, dict) and rec.get("stamp") == stamp(project, opts, source)
    return (rec if current else None), source


def record(project: Project, opts, source_at_start: str, result) -> None:
    """After a successful build whose sources did not change while it ran."""
    path = _record_file(project)
    source = sources(project)
    if not result.ok or source != source_at_start:
        path.unlink(missing_ok=True)
        return
    counts: dict[str, int] = {}
    for r in result.results.values():
        status = "cached" if r.status == "executed" else r.status  # as a no-op would say
        counts[status] = counts.get(status, 0) + 1
    write_atomic(path, json.dumps({"stamp": stamp(project, opts, source), "counts": counts,
                                   "equations": result.equation_summary,
                                   "warnings": result.warnings}, ensure_ascii=False))


def forget(project: Project) -> None:
    _record_file(project).unlink(missing_ok=True)
