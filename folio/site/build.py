"""The publish stage: mkdocs (Material, blog, RSS, search, the folio plugin) over site_src/."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from ..config import Project
from ..errors import SiteBuildFailed
from ..filehash import file_hashes
from ..render.files import write_atomic
from ..stamps import files, listing, stamp_listing
from .worker import READY

# mkdocs' own build date (sitemap lastmod, feed dates) comes from here: a fixed epoch keeps two
# builds of the same commit byte-identical. It is the site's one build timestamp.
DEFAULT_EPOCH = "1767225600"  # 2026-01-01 00:00 UTC


def site_setup(project: Project) -> list[Path]:
    """What every page of the site depends on: mkdocs.yml, the locked versions and the code of
    folio's mkdocs plugin."""
    here = Path(__file__).resolve().parent
    return [project.root / "mkdocs.yml", project.lock_file,
            *sorted(here.glob("*.py")), here.parent / "render" / "mathml.py"]


INPUTS = "site-inputs.json"  # what the last site build read, file by file (see site_inputs)


def site_inputs(project: Project, listings: dict[Path, list] | None = None) -> dict[str, str]:
    """Everything mkdocs reads, as a digest per file (relative to the project): docs_dir
    (hand-written and generated pages), the published figures and post modules, and the site's
    set-up. Kept after each site build, so the next one knows which files changed (see
    site.patch). ``listings``: the folders as ``site_state`` just listed them. (Paths as
    strings: at 500 posts, making Path objects of the 4,000 files was most of the time.)"""
    root = str(project.root) + os.sep
    hashes = file_hashes(project.build_dir)
    listings = listings or {d: listing(d) for d in _trees(project)}
    out: dict[str, str] = {}

    def add(name: str, stat=None) -> None:
        rel = name[len(root):] if name.startswith(root) else os.path.basename(name)
        try:
            out[rel] = hashes.digest(name, stat).hex()
        except OSError:  # gone since the walk, or a dangling link: not an input
            pass

    for p in site_setup(project):
        name = str(p)
        if os.path.isfile(name):
            add(name)
    for d in (project.docs_dir, project.figures_dir):
        for name, size, mtime, _ in listings[d]:
            add(name, (size, mtime))
    posts = os.path.join(str(project.posts_dir), "")
    for name, size, mtime, _ in listings[project.posts_dir]:  # posts/*/*.py
        parts = name[len(posts):].split(os.sep)
        if len(parts) == 2 and parts[1].endswith(".py") and not any(
                part.startswith(".") for part in parts):
            add(name, (size, mtime))
    return out


def _trees(project: Project) -> tuple[Path, ...]:
    return project.posts_dir, project.docs_dir, project.kernels_dir, project.figures_dir


def site_state(project: Project) -> tuple[str, dict[Path, list]]:
    """``sources_stamp`` and the listings it was taken from, for ``site_inputs``: one look at
    each folder for both."""
    listings = {d: listing(d) for d in _trees(project)}
    h = hashlib.sha256()
    files(h, site_setup(project))
    for d in _trees(project):
        stamp_listing(h, listings[d])
    return h.hexdigest(), listings


def recorded_inputs(project: Project) -> dict[str, str] | None:
    """The inputs of the site in build/site, or None when it is not the site of any (never
    built, or a build was stopped or failed)."""
    try:
        found = json.loads((project.build_dir / INPUTS).read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def changed_inputs(old: dict[str, str], new: dict[str, str]) -> list[str] | None:
    """The files whose bytes changed, absolute-path-free (relative to the project); None when a
    file came or went (the site's structure may change: a full build decides)."""
    if old.keys() != new.keys():
        return None
    return sorted(k for k, v in new.items() if old[k] != v)


def stamp_is_recorded(project: Project, stamp: str | None) -> bool:
    recorded = project.build_dir / "site-sources.stamp"
    return stamp is not None and recorded.is_file() and recorded.read_text() == stamp


def site_is_current(project: Project, stamp: str | None = None,
                    inputs: dict[str, str] | None = None) -> bool:
    """True when the site was built from exactly these inputs: a no-op rebuild skips mkdocs.
    ``stamp`` (``sources_stamp`` now): when it is the one recorded after the last site build,
    no input has been touched since and nothing is read; else the inputs' bytes decide
    (``inputs``: ``site_inputs`` now, if the caller has them)."""
    if not (project.site_dir / "index.html").is_file():
        return False
    if stamp_is_recorded(project, stamp):
        return True
    old = recorded_inputs(project)
    return old is not None and old == (inputs if inputs is not None else site_inputs(project))


def sources_stamp(project: Project) -> str:
    """Names, sizes and modification times of what an author edits, of folio's generated
    pages (rewritten only when they change) and of the site's set-up: a cheap test of whether
    the site may need rebuilding, taken before anything is executed or rendered."""
    return site_state(project)[0]


def site_may_change(project: Project) -> bool:
    stamp = project.build_dir / "site-sources.stamp"
    return not (stamp.is_file() and stamp.read_text() == sources_stamp(project))


def write_sources_stamp(project: Project, stamp: str | None = None) -> None:
    """After a build that left the site current: the next one starts mkdocs early only if an
    author has changed something since (``stamp``: taken before mkdocs read the inputs, so an
    edit made while it ran is seen as one next time)."""
    write_atomic(project.build_dir / "site-sources.stamp", stamp or sources_stamp(project))


_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # mkdocs colours its level names even into a pipe


def _problems(log: str) -> list[str]:
    """mkdocs' warnings and errors, each on one line: mkdocs folds a long message to the
    terminal's width, with its continuation lines indented."""
    out: list[str] = []
    taking = False
    for line in _ANSI.sub("", log).splitlines():
        if "WARNING" in line or "ERROR" in line:
            out.append(line.rstrip())
            taking = True
        elif taking and line[:1].isspace() and line.strip():
            out[-1] += " " + line.strip()
        else:
            taking = False
    return out


class SiteBuild:
    """``mkdocs build`` in its own process, started early: it imports mkdocs and loads the
    config (see site.worker) while folio executes and renders, then builds on ``run()``
    (folio's plugin keeps build/site and writes only what changed, see site.writes);
    ``cancel()`` stops it when the site turned out to be current."""

    def __init__(self, project: Project, *, strict: bool = True):
        self.project = project
        env = dict(os.environ)
        env.setdefault("SOURCE_DATE_EPOCH", DEFAULT_EPOCH)
        env["NO_MKDOCS_2_WARNING"] = "1"
        env.setdefault("DISABLE_MKDOCS_2_WARNING", "true")
        cmd = [sys.executable, "-m", "folio.site.worker", str(project.root / "mkdocs.yml"),
               str(project.site_dir)]
        if strict:
            cmd.append("--strict")
        self.proc = subprocess.Popen(cmd, cwd=project.root, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._ready, self._early = False, ""

    def wait_ready(self) -> None:
        """Until the worker has loaded mkdocs.yml (or has exited)."""
        if not self._ready:
            self._ready = True
            line = self.proc.stdout.readline()
            if line.strip() != READY:
                self._early = line

    def run(self, stamp: str | None = None, inputs: dict[str, str] | None = None) -> str:
        """Build the site; when the last site build's inputs are on record and no file came or
        went, the worker is told which changed, and patches the pages those changed alone
        (see site.patch) if it can."""
        project = self.project
        inputs = inputs if inputs is not None else site_inputs(project)
        old = recorded_inputs(project)
        changed = changed_inputs(old, inputs) if old is not None else None
        # From here until mkdocs has finished, build/site is not the site of any inputs: a build
        # killed meanwhile must not find it current next time.
        (project.build_dir / INPUTS).unlink(missing_ok=True)
        command = "build" if changed is None else f"patch {json.dumps(changed)}"
        out, err = self.proc.communicate(command + "\n")
        if not self._ready:
            first, _, rest = out.partition("\n")
            out = rest if first.strip() == READY else out
        log = err + self._early + out
        if self.proc.returncode != 0:
            problems = _problems(log) or log.splitlines()[-15:]
            raise SiteBuildFailed("mkdocs could not build the site",
                                  file=project.root / "mkdocs.yml",
                                  detail="\n".join(problems[:30]),
                                  hint="fix the warnings above (a broken link names its page)")
        # The inputs as they were before mkdocs read them: a file an author changed meanwhile
        # differs next time, and is built again.
        write_atomic(project.build_dir / INPUTS, json.dumps(inputs, sort_keys=True))
        write_sources_stamp(project, stamp)
        return log

    def cancel(self) -> None:
        self.proc.kill()
        self.proc.communicate()


def start_site(project: Project, wanted: bool = True) -> SiteBuild | None:
    """mkdocs starts loading now, on another core, if the site may need rebuilding."""
    return SiteBuild(project) if wanted and site_may_change(project) else None
