"""What a build is asked to do: the command line's options, as one value."""

from __future__ import annotations

from dataclasses import dataclass

from .config import CELL_TIMEOUT, DEFAULT_JOBS


@dataclass(frozen=True)
class BuildOptions:
    jobs: int = DEFAULT_JOBS
    keep_going: bool = False
    strict: bool = False
    force: tuple[str, ...] = ()
    only: tuple[str, ...] = ()
    timeout: int = CELL_TIMEOUT
    site: bool = True


def build_options(args) -> BuildOptions:
    """From ``folio build``'s parsed arguments."""
    return BuildOptions(jobs=args.jobs, keep_going=args.keep_going, strict=args.strict,
                        force=tuple(args.force), only=tuple(args.only), timeout=args.timeout,
                        site=not args.no_site)
