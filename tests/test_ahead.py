"""A kernel started ahead of need (folio.execute.ahead): the post it runs sees what a kernel
started for it would, and folio build starts one only when code changed."""

import os
import shutil

import pytest

from folio.execute.ahead import WarmKernel, likely_to_run, record_code
from folio.pipeline import BuildOptions, build
from tests.conftest import FIXTURES, make_project

PROBE = '''
```{code-cell} ipython3
import os, sys
print("cwd", os.getcwd())
print("path", sys.path[:3])
print("env", os.environ["FOLIO_SLUG"], os.environ["PYTHONPATH"])
import probe_helper
print("helper", probe_helper.VALUE)
```
'''


def _probe_project(tmp_path):
    proj = make_project(tmp_path / "blog", posts=[FIXTURES / "blog" / "posts" / "beta"])
    index = proj.posts_dir / "beta" / "index.md"
    index.write_text(index.read_text() + PROBE)
    (proj.posts_dir / "beta" / "probe_helper.py").write_text("VALUE = 7\n")
    return proj


def _printed(result) -> str:
    return "".join(o.get("text", "") for c in result.cells for o in c.outputs)


def test_a_kernel_started_ahead_gives_the_post_what_its_own_kernel_would(tmp_path):
    proj = _probe_project(tmp_path)
    opts = BuildOptions(jobs=1, site=False)
    fresh = build(proj, opts)
    assert fresh.ok, fresh.problems
    warm = WarmKernel(proj.root, gpu=False)
    warm._thread.join()
    pid = warm.km.provisioner.pid
    again = build(proj, BuildOptions(jobs=1, site=False, force=("beta",)), warm=warm)
    assert again.ok, again.problems
    assert warm.taken  # the post ran in the kernel started ahead
    # It is shut down on a thread while the page renders, and gone when the build returns.
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    first, second = _printed(fresh.results["beta"]), _printed(again.results["beta"])
    assert "helper 7" in first and "cwd posts/beta" in first  # outputs name paths from the root
    assert first == second


def test_a_kernel_nobody_takes_is_shut_down():
    warm = WarmKernel(FIXTURES, gpu=False)
    warm.close()
    assert warm.km is None or not warm.km.has_kernel


def test_build_starts_a_kernel_ahead_only_when_code_changed(tmp_path):
    proj = _probe_project(tmp_path)
    assert not likely_to_run(proj)  # never built: maybe a clone with a restored cache
    assert build(proj, BuildOptions(jobs=1, site=False)).ok
    assert not likely_to_run(proj)
    index = proj.posts_dir / "beta" / "index.md"
    index.write_text(index.read_text().replace("Beta calls", "Beta, in prose, calls"))
    assert not likely_to_run(proj)  # a prose edit
    index.write_text(index.read_text().replace('print("helper"', 'print("the helper"'))
    assert likely_to_run(proj)  # a code cell
    record_code(proj)
    (proj.posts_dir / "beta" / "probe_helper.py").write_text("VALUE = 8\n")
    assert likely_to_run(proj)  # a module
    record_code(proj)
    (proj.kernels_dir / "tiny.py").write_text((proj.kernels_dir / "tiny.py").read_text() + "\n")
    assert likely_to_run(proj)  # kernels/
    record_code(proj)
    shutil.copytree(FIXTURES / "blog" / "posts" / "alpha", proj.posts_dir / "alpha")
    assert likely_to_run(proj)  # a new post with code
    record_code(proj)
    prose = proj.posts_dir / "prose"
    prose.mkdir()
    (prose / "index.md").write_text("---\ntitle: Prose\n---\n\nNo code here.\n")
    assert not likely_to_run(proj)  # a new post without


def test_a_blog_of_prose_starts_no_kernel_ahead(tmp_path):
    import sys

    sys.path.insert(0, str(FIXTURES.parent.parent / "benchmarks"))
    from synthetic import generate

    proj = make_project(tmp_path / "blog", posts=[])
    generate(proj.posts_dir, 3)
    assert build(proj, BuildOptions(jobs=1, site=False)).ok
    index = proj.posts_dir / "synthetic-0001" / "index.md"
    index.write_text(index.read_text() + "\nA new sentence.\n")
    assert not likely_to_run(proj)
