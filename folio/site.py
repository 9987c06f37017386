"""The publish stage: mkdocs (Material, blog, RSS, search, the folio plugin) over site_src/."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

from .config import Project
from .errors import SiteBuildFailed

# mkdocs' own build date (sitemap lastmod, feed dates) comes from here: a fixed epoch keeps two
# builds of the same commit byte-identical. It is the site's one build timestamp.
DEFAULT_EPOCH = "1767225600"  # 2026-01-01 00:00 UTC

NOISE = re.compile(r"MkDocs 2\.0|properdocs|mkdocs-material.*end of life|^\s*$|MkDocs version 2|"
                   r"This release|https://squidfunk|│|─|╭|╰|", re.I)


def site_inputs_hash(project: Project) -> str:
    """Everything mkdocs reads: docs_dir (hand-written and generated pages), mkdocs.yml, the
    published figures and post modules, the folio plugin's own code and the locked versions."""
    folio = Path(__file__).resolve().parent
    files = [project.root / "mkdocs.yml", project.lock_file,
             folio / "mkdocs_plugin.py", folio / "site_memo.py", folio / "feed.py",
             folio / "render" / "mathml.py"]
    for d in (project.docs_dir, project.figures_dir):
        files += sorted(p for p in d.rglob("*") if p.is_file()) if d.is_dir() else []
    files += sorted(project.posts_dir.glob("*/*.py"))
    h = hashlib.sha256()
    for f in files:
        if f.is_file():
            name = f.relative_to(project.root) if f.is_relative_to(project.root) else f.name
            h.update(str(name).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def site_is_current(project: Project) -> bool:
    """True when the site was built from exactly these inputs: a no-op rebuild skips mkdocs."""
    stamp = project.build_dir / "site-inputs.sha256"
    return ((project.site_dir / "index.html").is_file() and stamp.is_file()
            and stamp.read_text() == site_inputs_hash(project))


def mkdocs_build(project: Project, *, strict: bool = True) -> str:
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", DEFAULT_EPOCH)
    env["NO_MKDOCS_2_WARNING"] = "1"
    env.setdefault("DISABLE_MKDOCS_2_WARNING", "true")
    cmd = [sys.executable, "-m", "mkdocs", "build", "--clean", "-f", str(project.root / "mkdocs.yml"),
           "-d", str(project.site_dir)]
    if strict:
        cmd.append("--strict")
    proc = subprocess.run(cmd, cwd=project.root, env=env, capture_output=True, text=True)
    log = proc.stderr + proc.stdout
    if proc.returncode != 0:
        problems = [l for l in log.splitlines() if "WARNING" in l or "ERROR" in l] or log.splitlines()[-15:]
        raise SiteBuildFailed("mkdocs could not build the site", file=project.root / "mkdocs.yml",
                              detail="\n".join(problems[:30]),
                              hint="fix the warnings above (a broken link names its page)")
    (project.build_dir / "site-inputs.sha256").write_text(site_inputs_hash(project))
    return log
