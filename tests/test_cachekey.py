"""The cache key names everything a post's outputs and checks depend on, and nothing that
differs between two machines or checkouts building the same inputs. Each case: the change
re-executes the post (or, for what must not matter, does not)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from folio.execute import cachekey
from folio.execute.cachekey import folio_kernel_files, kernel_modules, key_parts
from folio.parse import read_post
from folio.pipeline import BuildOptions, build
from tests.conftest import FIXTURES, make_project
from tests.test_faults import built_once, warm  # noqa: F401 - fixtures

NO_SITE = BuildOptions(jobs=1, site=False)
REPO = Path(__file__).resolve().parent.parent


def statuses(result):
    return {s: r.status for s, r in result.results.items()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_a_labeled_equation_added_to_unchanged_code_runs_the_checks_again(warm):
    """The issue's case: the prose gains a labeled equation, the code is as it was."""
    index = warm.posts_dir / "alpha" / "index.md"
    edit(index, "By {eq}`eq-alpha-squares`", "```{math}\n:label: eq-alpha-cubes\n"
         "\\sum_{k=1}^{n} k^3 = \\left(\\frac{n(n+1)}{2}\\right)^2\n```\n\n"
         "By {eq}`eq-alpha-squares`")
    r = build(warm, NO_SITE)
    assert statuses(r) == {"alpha": "executed", "beta": "cached"}
    (cubes,) = [e for e in r.results["alpha"].checks["equations"] if e["label"] == "eq-alpha-cubes"]
    assert "no counterpart" in cubes["problem"]
    page = (warm.generated_posts / "alpha.md").read_text()
    # The public page says so neutrally; the terminal (and folio serve) says what to do.
    assert "did not run to the end" not in page
    assert '<p class="folio-check folio-check--none">Not yet verified.</p>' in page
    strict = build(warm, BuildOptions(jobs=1, site=False, strict=True))
    assert not strict.ok and any("eq-alpha-cubes is not verified" in p for p in strict.problems)


def test_a_copied_post_is_executed_under_its_own_slug(warm):
    shutil.copytree(warm.posts_dir / "beta", warm.posts_dir / "gamma")
    edit(warm.posts_dir / "gamma" / "index.md", "title: Beta", "title: Gamma")
    r = build(warm, NO_SITE)
    assert statuses(r) == {"alpha": "cached", "beta": "cached", "gamma": "executed"}
    assert r.results["gamma"].key != r.results["beta"].key


def test_a_relative_import_inside_kernels_is_followed(warm):
    edit(warm.kernels_dir / "tiny.py", "from kernels.helpers import times", "from .helpers import times")
    assert statuses(build(warm, NO_SITE))["beta"] == "executed"
    edit(warm.kernels_dir / "helpers.py", "return x * k", "return k * x")
    assert statuses(build(warm, NO_SITE)) == {"alpha": "cached", "beta": "executed"}


def test_relative_imports_resolve_within_their_package(tmp_path):
    k = tmp_path / "kernels"
    (k / "sub").mkdir(parents=True)
    (k / "__init__.py").write_text("")
    (k / "sub" / "__init__.py").write_text("from . import leaf\nfrom ..top import f\n")
    (k / "sub" / "leaf.py").write_text("from .. import other\n")
    (k / "top.py").write_text("def f(): pass\n")
    (k / "other.py").write_text("")
    (k / "unused.py").write_text("")
    found = kernel_modules(["import kernels.sub"], k)
    assert [p.relative_to(k).as_posix() for p in found] == [
        "__init__.py", "other.py", "sub/__init__.py", "sub/leaf.py", "top.py"]
    # In a cell, outside any package, a relative import names nothing.
    assert kernel_modules(["from . import kernels"], k) == []


def test_a_data_file_under_kernels_is_in_the_key_of_its_users(warm):
    (warm.kernels_dir / "table.json").write_text(json.dumps({"factor": 2}))
    edit(warm.kernels_dir / "tiny.py", "def double(x):\n    return times(x, 2)",
         "import json, pathlib\n\ndef double(x):\n    table = pathlib.Path(__file__).with_name('table.json')\n"
         "    return times(x, json.loads(table.read_text())['factor'])")
    assert statuses(build(warm, NO_SITE))["beta"] == "executed"
    (warm.kernels_dir / "table.json").write_text(json.dumps({"factor": 3}))
    r = build(warm, NO_SITE)
    # alpha imports nothing from kernels/: its key does not change.
    assert statuses(r) == {"alpha": "cached", "beta": "executed"}
    assert "double 63" in (warm.generated_posts / "beta.md").read_text()


def test_the_interpreter_is_in_the_key(monkeypatch):
    post = read_post(FIXTURES / "blog" / "posts" / "alpha" / "index.md")
    kw = dict(root=FIXTURES / "blog", lock_file=REPO / "requirements.lock", gpu=False)
    before = cachekey.key_of(key_parts(post, **kw))
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    assert cachekey.key_of(key_parts(post, **kw)) != before
    monkeypatch.undo()
    monkeypatch.setattr(sys, "prefix", "/opt/other")  # another environment
    assert cachekey.key_of(key_parts(post, **kw)) != before
    monkeypatch.undo()
    # The same environment by another name (the folio script runs .venv/bin/python3, python -m
    # folio may run .venv/bin/python): the same key, so neither finds the other's cache empty.
    monkeypatch.setattr(sys, "executable", str(Path(sys.executable).with_name("python3")))
    assert cachekey.key_of(key_parts(post, **kw)) == before


def test_the_key_covers_all_of_folio_that_the_kernel_imports():
    """Whatever folio code a kernel imports (``from folio import ...`` and the checks' tail
    cell) is in the key; found by following imports, so a new module cannot be forgotten."""
    code = ("import sys, folio, folio.execute.kernel_tail\n"
            "print('\\n'.join(sorted(m.__file__ for n, m in sys.modules.items()"
            " if n.split('.')[0] == 'folio')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported = {Path(p) for p in out.stdout.split()}
    keyed = set(folio_kernel_files())
    assert Path(cachekey.__file__).parent.parent / "__init__.py" in keyed
    assert imported - keyed == set()


def test_the_kernel_sees_an_allow_listed_environment_and_fixed_threads(warm, monkeypatch):
    edit(warm.posts_dir / "beta" / "index.md", 'print("double", double(21))',
         'import os\nprint("double", double(21))\n'
         'print("env", os.environ.get("FOLIO_TEST_SECRET"), os.environ.get("OMP_NUM_THREADS"),'
         ' os.environ.get("PYTHONSTARTUP"))')
    monkeypatch.setenv("FOLIO_TEST_SECRET", "leaked")
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.setenv("PYTHONSTARTUP", "/nonexistent/startup.py")
    r = build(warm, BuildOptions(jobs=2, site=False))
    assert statuses(r)["beta"] == "executed"
    assert "env None 1 None" in (warm.generated_posts / "beta.md").read_text()
    # Another --jobs, another shell: the same key (and the same outputs).
    monkeypatch.setenv("FOLIO_TEST_SECRET", "other")
    assert statuses(build(warm, BuildOptions(jobs=1, site=False)))["beta"] == "cached"


def test_the_kernel_runs_in_the_build_interpreter_whatever_kernelspec_is_installed(warm, tmp_path,
                                                                                   monkeypatch):
    """A python3 kernelspec on JUPYTER_PATH that names another interpreter (and sets a
    variable) is not used: the kernel is the build's own Python."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": ["/nonexistent/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python", "env": {"FOLIO_FROM_SPEC": "yes"}}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    edit(warm.posts_dir / "beta" / "index.md", 'print("double", double(21))',
         'import os, sys\nprint("double", double(21))\n'
         'print("python", sys.executable, os.environ.get("FOLIO_FROM_SPEC"))')
    r = build(warm, NO_SITE)
    assert r.ok, r.problems
    assert f"python {sys.executable} None" in (warm.generated_posts / "beta.md").read_text()


@pytest.mark.parametrize("gpu", [False, True])
def test_the_key_does_not_depend_on_the_checkout_path(tmp_path, gpu):
    keys = []
    for name in ("one", "two"):
        proj = make_project(tmp_path / name / "deeper" / "blog")
        post = read_post(proj.posts_dir / "beta" / "index.md")
        keys.append(cachekey.cache_key(post, root=proj.root, lock_file=proj.lock_file, gpu=gpu))
    assert keys[0] == keys[1]


def test_a_kernel_that_cannot_start_fails_its_post_by_name(tmp_path, monkeypatch):
    from folio.execute import kernel

    proj = make_project(tmp_path / "b", posts=[FIXTURES / "blog" / "posts" / "beta"])
    monkeypatch.setattr(kernel, "kernel_argv", lambda: ["/nonexistent/python3", "-m",
                                                        "ipykernel_launcher", "-f", "{connection_file}"])
    r = build(proj, BuildOptions(jobs=1, site=False, keep_going=True))
    (msg,) = r.problems
    assert msg.startswith(f"{proj.posts_dir / 'beta' / 'index.md'}: the kernel could not start")
    assert "fix: check that /nonexistent/python3 -m ipykernel_launcher runs" in msg
    assert r.results["beta"].status == "failed"
