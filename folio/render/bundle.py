"""Run it yourself: one zip per post that runs without this repository or folio installed.

    <slug>/
      <slug>.ipynb        the post as a notebook, with the outputs the page shows
      README.md           how to run it
      requirements.txt    every distribution the notebook imports, and theirs, pinned
      *.py, data          the post's own modules and data files
      kernels/...         the kernels/ modules the post imports (and their packages)
      folio/              folio's kernel-side runtime, verbatim: figure, glue, attach,
                          equation, check (the same code the build ran the post with)

The zip is the same bytes for the same inputs: entries sorted, fixed timestamps and modes.
``digest`` names every input that is not already in the render memo's key.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata as md
import io
import re
import sys
import zipfile
from pathlib import Path


from ..execute.cachekey import imported_modules, kernel_modules, post_files
from ..execute.result import ExecutionResult
from ..filehash import file_hashes
from ..post import Post
from . import citations

_FOLIO = Path(__file__).resolve().parent.parent
# folio's kernel-side runtime, shipped as it is: the zip's folio package is these files.
RUNTIME = ("__init__.py", "runtime/__init__.py", "runtime/attach.py", "runtime/budget.py",
           "runtime/figures.py",
           "runtime/glue.py", "runtime/mimetypes.py", "verify/__init__.py", "verify/api.py")
GPU_MAGIC = Path(__file__).with_name("bundle_gpu.py")  # shipped as folio/gpu.py
# What running the notebook takes besides what it imports: a kernel, and a headless runner.
RUNNERS = ("ipykernel", "nbclient")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def downloads_dir(docs_dir: Path) -> Path:
    return docs_dir / "downloads"


def download_link(post: Post) -> str:
    return (f"[Run it yourself](../../downloads/{post.slug}.zip){{ download }}: a zip with the "
            "notebook, its modules and data and a pinned requirements.txt; it runs without folio.")


def _local_names(post: Post) -> set[str]:
    return {p.stem for p in post.dir.glob("*.py")} | {p.name for p in post.dir.iterdir() if p.is_dir()}


def _sources(post: Post, kernels: list[Path]) -> list[str]:
    return ([c.source for c in post.code_cells]
            + [p.read_text(encoding="utf-8") for p in post_files(post) if p.suffix == ".py"]
            + [p.read_text(encoding="utf-8") for p in kernels])


def _runtime_sources() -> list[str]:
    return [(_FOLIO / r).read_text(encoding="utf-8") for r in RUNTIME]


def _dist_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.lru_cache(maxsize=1)
def _installed() -> str:
    """A digest of the interpreter and its site-packages folders as they are now: installing or
    removing a package changes it (what the user-cached answers below are kept by)."""
    import os

    h = hashlib.sha256(sys.version.encode())
    for entry in sys.path:
        if "-packages" not in entry:  # distributions live in site- (or dist-) packages; the
            continue                   # script's folder and the zip of the standard library not
        try:
            h.update(f"{entry}\0{os.stat(entry or '.').st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{entry}\0-\n".encode())
    return h.hexdigest()[:32]


def _kept(folder: str, key: str, compute, most: int):
    """``compute()``, kept in the user's cache (``XDG_CACHE_HOME/folio/<folder>``) by ``key``
    and the installed set; the ``most`` answers used last are kept."""
    import json
    import os

    from ..usercache import keep, user_cache

    path = user_cache(folder) / f"{hashlib.sha256((_installed() + key).encode()).hexdigest()[:32]}.json"
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        os.utime(path)  # used now: the last to go
        return found
    except (OSError, ValueError):
        pass
    found = compute()
    keep(path, json.dumps(found, sort_keys=True).encode(), most)
    return found


@functools.lru_cache(maxsize=1)
def _distributions_by_module() -> dict[str, list[str]]:
    """Which installed distributions provide each top-level module: it opens every installed
    distribution's metadata (about a second), so it is read once per process and kept in the
    user's cache by the installed set."""
    return _kept("distributions", "", md.packages_distributions, 8)  # installed sets


@functools.lru_cache(maxsize=1)
def _runtime_imports() -> frozenset[str]:
    return frozenset(n.split(".")[0] for s in _runtime_sources() for n in imported_modules(s))


@functools.lru_cache(maxsize=None)
def _closure(names: frozenset[str]) -> dict[str, str]:
    """Installed distributions ``names`` and everything they require (markers evaluated here),
    with their installed versions (kept like ``_distributions_by_module``: reading the
    metadata was 0.13 s of a code edit's build)."""
    # One answer per set of distributions a post imports (5 sets among this site's 11 posts),
    # shared by every project on the machine: 8 kept were soon full, and a post whose answer
    # had gone read the metadata again.
    return _kept("requirements", "\0".join(sorted(names)), lambda: _read_closure(names), 256)


def _read_closure(names: frozenset[str]) -> dict[str, str]:
    from packaging.requirements import Requirement

    todo, seen = sorted(names), {}
    while todo:
        name = _dist_name(todo.pop())
        if name in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        seen[name] = dist.version.split("+")[0]  # torch 2.13.0+cpu: PyPI has 2.13.0
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def requirements(post: Post, kernels: list[Path]) -> str:
    """requirements.txt: the third-party distributions the notebook, the post's modules, the
    kernels it imports and the shipped runtime import, with everything they need, pinned to
    the versions the build ran with."""
    local = _local_names(post) | {"kernels", "folio"}
    top = {n.split(".")[0] for s in _sources(post, kernels) for n in imported_modules(s)}
    top = (top | _runtime_imports()) - local - set(sys.stdlib_module_names) - {"__future__"}
    by_module = _distributions_by_module()
    dists = {d for m in top for d in by_module.get(m, [])} | set(RUNNERS)
    pins = _closure(frozenset(dists))
    lines = [f"# What {post.slug}.ipynb needs, pinned to the versions its page was built with.",
             "# python -m venv .venv && .venv/bin/pip install -r requirements.txt"]
    return "\n".join(lines + [f"{n}=={v}" for n, v in sorted(pins.items())]) + "\n"


def _notebook(post: Post, result: ExecutionResult, root: Path) -> str:
    """The companion notebook, with GPU cells behind a %%gpu magic that skips them without CUDA."""
    from .notebook import companion  # imports the page renderer: only when a zip is written

    import nbformat  # not at the top: 0.15 s to import, and a no-op build needs none
    nb = nbformat.reads(companion(post, result), as_version=4)
    gpu = [c for c in nb.cells if c.cell_type == "code" and "gpu" in c.metadata.get("tags", [])]
    for c in gpu:
        c.source = "%%gpu\n" + c.source
    if gpu:
        setup = nbformat.v4.new_code_cell(
            "# Cells marked %%gpu run only where CUDA is present; elsewhere they say so and skip.\n"
            "%load_ext folio.gpu", metadata={"tags": ["setup"]})
        nb.cells.insert(1, setup)
    cites = citations.collect(post, root)
    if cites.cited:
        nb.cells.append(nbformat.v4.new_markdown_cell(cites.notebook_section()))
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"
    return nbformat.writes(nb)


def _readme(post: Post) -> str:
    gpu = ("\nCells marked `%%gpu` need a CUDA GPU; without one they print that they were skipped "
           "(the page shows the results measured on a GPU).\n" if post.needs_gpu else "")
    return f"""# {post.meta.title}

{post.meta.description}

This folder runs on its own: the notebook, the post's modules and data, and `folio/`, the small
runtime the post's code imports (`figure`, `glue`, `equation`, `check`) — no need to install folio.

    python3.11 -m venv .venv
    .venv/bin/pip install -r requirements.txt
    .venv/bin/jupyter execute --output={post.slug}-executed {post.slug}.ipynb

or open `{post.slug}.ipynb` in Jupyter with that environment's kernel.
{gpu}"""


def _kernel_files(post: Post, root: Path) -> list[Path]:
    """The kernels/ modules the post imports, with the package __init__ files they need."""
    found = kernel_modules(_sources(post, []), root / "kernels")
    inits = set()
    for p in found:
        d = p.parent
        while d != root and d.is_relative_to(root / "kernels"):
            if (d / "__init__.py").is_file():
                inits.add(d / "__init__.py")
            d = d.parent
    return sorted(set(found) | inits)


def _requirements_key(post: Post, kernels: list[Path], root: Path) -> bytes:
    """What requirements.txt is computed from: the code's imports and the locked versions."""
    lock = root / "requirements.lock"
    h = hashlib.sha256("\0".join(_sources(post, kernels) + _runtime_sources()).encode())
    h.update(lock.read_bytes() if lock.is_file() else b"")
    return h.hexdigest().encode()


def _previous_requirements(previous: Path | None, slug: str, key: bytes) -> str | None:
    """requirements.txt from the zip written last time, if it was computed from the same inputs
    (its key is the zip's comment): finding the installed distributions takes seconds."""
    try:
        with zipfile.ZipFile(previous) as z:
            if z.comment == key:
                return z.read(f"{slug}/requirements.txt").decode("utf-8")
    except (OSError, TypeError, KeyError, zipfile.BadZipFile):
        pass
    return None


def build_zip(post: Post, result: ExecutionResult, root: Path, previous: Path | None = None) -> bytes:
    """The zip's bytes; ``previous``: the zip on disk, whose requirements.txt is reused when its
    inputs are unchanged."""
    kernels = _kernel_files(post, root)
    key = _requirements_key(post, kernels, root)
    reqs = _previous_requirements(previous, post.slug, key) or requirements(post, kernels)
    entries: dict[str, bytes] = {
        f"{post.slug}.ipynb": _notebook(post, result, root).encode("utf-8"),
        "README.md": _readme(post).encode("utf-8"),
        "requirements.txt": reqs.encode("utf-8"),
    }
    for p in post_files(post):
        entries[p.relative_to(post.dir).as_posix()] = p.read_bytes()
    for p in kernels:
        entries[p.relative_to(root).as_posix()] = p.read_bytes()
    for rel in RUNTIME:
        entries[f"folio/{rel}"] = (_FOLIO / rel).read_bytes()
    if post.needs_gpu:
        entries["folio/gpu.py"] = GPU_MAGIC.read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.comment = key
        for name in sorted(entries):
            info = zipfile.ZipInfo(f"{post.slug}/{name}", ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, entries[name])
    return buf.getvalue()


def digest(post: Post, root: Path) -> str:
    """What the zip depends on beyond the render memo's key (the post's folder, its outputs,
    folio's code): the kernels/ modules it ships and the installed versions it pins."""
    hashes = file_hashes(root / "build")
    h = hashlib.sha256()
    for p in _kernel_files(post, root):
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + hashes.digest(p) + b"\0")
    lock = root / "requirements.lock"
    h.update(hashes.digest(lock) if lock.is_file() else b"")
    return h.hexdigest()
