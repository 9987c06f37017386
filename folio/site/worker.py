"""A warm ``mkdocs build``: started while folio executes and renders, built when told to.

Importing mkdocs, Material, the RSS plugin and the Markdown extensions, loading mkdocs.yml and
listing the theme's files is most of a site build that has little to rebuild. This process does
that on the second core while folio is still busy, then waits. On the line ``patch [files]`` it
updates only the pages those files are (see site.patch) if it can; otherwise, and on the line
``build``, it runs what ``mkdocs build --clean`` runs, with the config it loaded (loaded again
if mkdocs.yml changed meanwhile), mkdocs' own messages and exit code; on anything else (folio
found the site current) it exits having built nothing. Its first line on stdout says it has
loaded the config.

    python -m folio.site.worker mkdocs.yml build/site [--strict]
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

READY = "folio-site-worker: ready"


def _load(config_file: str, site_dir: str, strict: bool):
    from mkdocs import config

    text = Path(config_file).read_bytes()
    try:
        return text, config.load_config(config_file=config_file, site_dir=site_dir, strict=strict)
    except Exception as exc:  # noqa: BLE001 - reported when the build is asked for
        return text, exc


def _keep_theme_listing() -> None:
    """Hack: mkdocs lists every file of the theme on each build (Material ships thousands of
    icons), only to drop, among others, every name with a part starting with a dot (its
    patterns '.*' and '*/.*'). Installed themes do not change while this process lives: list
    each of their folders once, in the warm-up, without those names. Other folders (custom_dir)
    are listed live."""
    import jinja2

    walk = jinja2.FileSystemLoader.list_templates
    installed = (sys.prefix, sys.base_prefix)

    @functools.lru_cache(maxsize=None)
    def listed(folder: str, followlinks: bool) -> tuple[str, ...]:
        names = walk(jinja2.FileSystemLoader(folder, followlinks=followlinks))
        return tuple(n for n in names if not any(p.startswith(".") for p in n.split("/")))

    def list_templates(self) -> list[str]:
        found: set[str] = set()
        for folder in self.searchpath:
            if os.path.abspath(folder).startswith(installed):
                found.update(listed(folder, self.followlinks))
            else:
                found.update(walk(jinja2.FileSystemLoader(folder, followlinks=self.followlinks)))
        return sorted(found)

    jinja2.FileSystemLoader.list_templates = list_templates


def _warm_imports() -> None:
    """What a page-only update imports on its way (the RSS plugin's HTTP cache and its file
    lock, mkdocs' build command, fontTools for the math font's version): imported in the
    warm-up instead, 15 ms of an update. And Pygments' lexers for the posts' code and outputs:
    a lexer class compiles its token regexes when it is first used, 30-60 ms of the first page
    with code."""
    import _strptime  # noqa: F401
    import gzip  # noqa: F401

    import cachecontrol.caches.file_cache  # noqa: F401
    import filelock  # noqa: F401
    import fontTools  # noqa: F401
    import mkdocs.commands.build  # noqa: F401
    from material.plugins.blog import structure  # noqa: F401
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    for language in ("python", "text"):
        highlight("x = 1\n", get_lexer_by_name(language), HtmlFormatter())


def _build(cfg) -> int:
    """mkdocs' ``build_command``, on a loaded config."""
    from click import ClickException
    from mkdocs.__main__ import _enable_warnings
    from mkdocs.commands import build

    _enable_warnings()
    try:
        if isinstance(cfg, Exception):
            raise cfg
        cfg.plugins.on_startup(command="build", dirty=False)
        try:
            build.build(cfg, dirty=False)
        finally:
            cfg.plugins.on_shutdown()
    except ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0


def _patch(cfg, root: Path, changed: list[str]) -> bool:
    """A page-only update (see site.patch); False when the site needs a full build."""
    import logging

    from .patch import Patch, PatchFailed

    log = logging.getLogger("mkdocs.plugins.folio")
    patch = Patch(cfg, root, changed)
    try:
        if not patch.prepare():
            log.info(f"folio: a full build: {patch.why}")
            return False
        written = patch.write()
    except PatchFailed as exc:
        log.info(f"folio: a full build: {exc}")
        return False
    except Exception as exc:  # noqa: BLE001 - the full build that follows reports real errors
        log.info(f"folio: a full build: the page-only update failed ({type(exc).__name__}: {exc})")
        return False
    finally:
        cfg.plugins.on_shutdown()
    log.info(f"folio: 0 of {len(patch.pages)} page(s) rendered by the theme, "
             f"{len(patch.new)} patched in place ({written} file(s) written)")
    sys.stdout.flush()
    sys.stderr.flush()
    return True


def main(argv: list[str]) -> int:
    from mkdocs.__main__ import State

    config_file, site_dir = argv[0], argv[1]
    strict = "--strict" in argv[2:]
    state = State()  # noqa: F841 - mkdocs' log handler on stderr, as the CLI sets it up
    _keep_theme_listing()
    text, cfg = _load(config_file, site_dir, strict)
    if not isinstance(cfg, Exception):
        cfg.theme.get_env().list_templates()  # warm the listing
    _warm_imports()
    print(READY, flush=True)  # loaded: what changes from here on is read again on "build"
    command, _, changed = sys.stdin.readline().strip().partition(" ")
    if command not in ("build", "patch"):
        return 0
    if Path(config_file).read_bytes() != text:
        text, cfg = _load(config_file, site_dir, strict)
    try:
        if command == "patch" and not isinstance(cfg, Exception):
            if _patch(cfg, Path(config_file).resolve().parent, json.loads(changed)):
                os._exit(0)
            _, cfg = _load(config_file, site_dir, strict)  # fresh plugins for the full build
        code = _build(cfg)
    except Exception as exc:  # noqa: BLE001 - any failure is a failed build, with its message
        print(f"ERROR   -  {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    # Every file is written and closed: skip tearing down the interpreter's objects.
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
