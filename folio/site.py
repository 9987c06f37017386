"""The publish stage: mkdocs (Material, blog, RSS, mkdocs-jupyter) over site_src/."""

from __future__ import annotations

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
    return log
