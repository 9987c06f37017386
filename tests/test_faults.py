"""The build under faults: two builds at once, a build killed at any moment, a full disk, a
read-only build/. Each gives a clear message, and nothing cached or published is lost or left
half-written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

import nbformat
import pytest

from folio.execute.cache import Cache
from folio.config import Project
from folio.errors import FolioError
from folio.lock import BuildLocked, build_lock
from folio.pipeline import BuildOptions, build
from folio.render import files
from folio.render.files import write_if_changed
from tests.conftest import make_project
from tests.faults import ENOSPC, EROFS, build_killed_while_writing, refuse_writes

NO_SITE = BuildOptions(jobs=1, site=False)


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    proj = make_project(tmp_path_factory.mktemp("built") / "blog")
    assert build(proj, NO_SITE).ok
    return proj


@pytest.fixture
def warm(built_once, tmp_path) -> Project:
    """The fixture blog, built (executed, cached, rendered) once for the module; a copy each."""
    dest = tmp_path / "warm"
    shutil.copytree(built_once.root, dest, symlinks=True)
    return Project(dest)


def statuses(result):
    return {s: r.status for s, r in result.results.items()}


def entries(project):
    return sorted(p.parent.name for p in project.cache_dir.glob("??/*/record.json"))


def snapshot(project):
    """The bytes of everything a build leaves for the next one or publishes."""
    out = {}
    for d in (project.build_dir, project.docs_dir, project.figures_dir):
        for p in sorted(d.rglob("*")) if d.is_dir() else []:
            if p.is_file() and p.name != ".lock":
                out[p.relative_to(project.root).as_posix()] = p.read_bytes()
    return out


def leftovers(project):
    """Temporary files or folders of writes that never finished."""
    return [p for d in (project.build_dir, project.docs_dir, project.figures_dir)
            for p in d.rglob("*") if p.name.startswith(".tmp-") or p.name.endswith(".tmp")
            or ".tmp" in p.suffix]


# --- two builds at once ---------------------------------------------------------------------

def test_a_second_build_is_refused_while_one_runs_naming_its_pid(project, tmp_path):
    """beta's cell waits, holding the first build open, until the test has tried a second."""
    started, release = tmp_path / "started", tmp_path / "release"
    index = project.posts_dir / "beta" / "index.md"
    index.write_text(index.read_text().replace(
        'print("double"',
        "import pathlib\n"
        f"pathlib.Path({str(started)!r}).touch()\n"
        f"while not pathlib.Path({str(release)!r}).exists(): pass\n"
        'print("double"'))
    first = subprocess.Popen([sys.executable, "-m", "folio", "build", "--jobs", "1", "--no-site"],
                             cwd=project.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
    try:
        while not started.exists():
            assert first.poll() is None, first.stderr.read()
        with pytest.raises(BuildLocked) as err:
            build(project, NO_SITE)
        msg = err.value.render()
        assert msg.startswith(f"{project.build_dir / '.lock'}: another folio build is running")
        assert f"process {first.pid} holds the lock" in msg
        assert "fix: wait for it to finish" in msg
        # The command line says the same, in one clean message and exit code 1.
        cli = subprocess.run([sys.executable, "-m", "folio", "build", "--no-site"],
                             cwd=project.root, capture_output=True, text=True)
        assert cli.returncode == 1 and f"process {first.pid} holds the lock" in cli.stderr
        assert "Traceback" not in cli.stderr
    finally:
        release.touch()
        assert first.wait(timeout=120) == 0, first.stderr.read()
    # The lock went with the first build: the next one runs, from the cache.
    assert statuses(build(project, NO_SITE)) == {"alpha": "cached", "beta": "cached"}


def test_the_lock_goes_with_a_killed_holder(project):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from folio.lock import "
         "build_lock\nwith build_lock(Path(sys.argv[1])):\n print('held', flush=True); "
         "sys.stdin.read()", str(project.build_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    with pytest.raises(BuildLocked):
        with build_lock(project.build_dir):
            pass
    holder.kill()
    holder.wait()
    with build_lock(project.build_dir):  # no stale lock: nothing to remove by hand
        pass


def _nb():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("1"))
    return nb


def test_an_existing_cache_entry_is_a_hit_not_replaced(tmp_path):
    cache = Cache(tmp_path / "cache")
    assert cache.put("ab" * 16, _nb(), {"slug": "first"})
    entry = next((tmp_path / "cache").glob("??/*"))
    inode = entry.stat().st_ino
    # A second writer of the same key (another build) keeps what is there: same folder,
    # nothing removed under a reader's feet.
    assert not cache.put("ab" * 16, _nb(), {"slug": "second"})
    assert entry.stat().st_ino == inode
    assert cache.get("ab" * 16)[1]["slug"] == "first"
    assert [d.name for d in cache.entries()] == ["ab" * 16]


def test_many_writers_of_one_cache_key_all_succeed(tmp_path):
    cache = Cache(tmp_path / "cache")
    errors, barrier = [], threading.Barrier(8)

    def writer(n):
        barrier.wait()
        try:
            for _ in range(20):
                cache.put("cd" * 16, _nb(), {"slug": f"w{n}"})
                assert cache.get("cd" * 16) is not None
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [d.name for d in cache.entries()] == ["cd" * 16]


def test_two_writers_of_one_generated_file_do_not_share_a_temporary_file(tmp_path, monkeypatch):
    """The second writer runs entirely between the first's write and its rename: with one
    temporary name per file, the first would rename the second's bytes, then fail."""
    path = tmp_path / "page.md"
    real_replace = os.replace
    interleaved = []

    def replace(src, dst):
        if not interleaved:
            interleaved.append(src)
            write_if_changed(path, "second writer\n")
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    assert write_if_changed(path, "first writer\n")
    assert path.read_text() == "first writer\n"
    assert os.listdir(tmp_path) == ["page.md"]
    assert oct(path.stat().st_mode & 0o777) == "0o644"


# --- a build killed at any moment -----------------------------------------------------------

@pytest.mark.parametrize("target, executed", [
    ("record.json", {"alpha", "beta"}),  # alpha's cache entry, half its record written
    ("/blog/posts/.alpha.md.", set()),  # the first generated page
    ("/build/.report.json.", set()),  # the build report
    ("render.tmp", set()),  # the render memo
])
def test_a_build_killed_while_writing_loses_nothing(warm, target, executed):
    """Killed while writing each kind of file: with no cache (``record.json``: while caching)
    or with one (everything else is written again as the cache is read)."""
    project = warm
    if executed:
        shutil.rmtree(project.cache_dir)
    else:
        (project.generated_posts / "alpha.md").unlink()
        (project.build_dir / "render.json").unlink()
    build_killed_while_writing(project.root, target)
    r = build(project, NO_SITE)
    assert r.ok, r.problems
    assert {s for s, st in statuses(r).items() if st == "executed"} == executed
    assert leftovers(project) == []
    assert "computed 385" in (project.generated_posts / "alpha.md").read_text()


def test_a_build_killed_at_any_of_its_writes_loses_nothing(warm, tmp_path):
    """A rebuild after a prose edit, killed half-way through each of its writes in turn (the
    page, the companion notebook, the render memo, the report): the next build
    takes every post from the cache and leaves exactly what an uninterrupted build leaves."""
    index = warm.posts_dir / "alpha" / "index.md"
    index.write_text(index.read_text().replace("Alpha introduces", "Alpha, edited, introduces"))
    reference = tmp_path / "reference"
    shutil.copytree(warm.root, reference)
    assert build(Project(reference), NO_SITE).ok
    published = {k: v for k, v in snapshot(Project(reference)).items() if not k.startswith("build/")}
    n = 0
    while True:
        n += 1
        proj = Project(tmp_path / f"killed-at-{n}")
        shutil.copytree(warm.root, proj.root)
        if build_killed_while_writing(proj.root, str(proj.root), n, must=False) is None:
            break
        r = build(proj, NO_SITE)
        assert r.ok and set(statuses(r).values()) == {"cached"}, (n, r.problems)
        assert leftovers(proj) == [], n
        after = snapshot(proj)
        assert {k: v for k, v in after.items() if not k.startswith("build/")} == published, n
        assert entries(proj) == entries(warm), n
    # The page, the notebook, the render memo and the report: a kill at each was survived.
    assert n - 1 >= 4, f"only {n - 1} writes: the prose edit did not reach the pages"


def test_a_killed_build_never_publishes_half_a_page(warm):
    """Killed while rewriting alpha's page after an edit: the page on disk is the old one,
    whole; the next build writes the new one."""
    project = warm
    page = project.generated_posts / "alpha.md"
    old = page.read_text()
    index = project.posts_dir / "alpha" / "index.md"
    index.write_text(index.read_text().replace("Alpha introduces", "Alpha, edited, introduces"))
    build_killed_while_writing(project.root, "/blog/posts/.alpha.md.")
    assert page.read_text() == old
    assert build(project, NO_SITE).ok and "Alpha, edited, introduces" in page.read_text()
    assert leftovers(project) == []


# --- a full disk, a read-only build/ --------------------------------------------------------

def test_a_full_disk_while_caching_stops_with_a_clear_message_and_loses_no_entry(warm, monkeypatch):
    project = warm
    before, kept = entries(project), snapshot(project)
    mod = project.posts_dir / "alpha" / "alpha_eqs.py"
    mod.write_text(mod.read_text() + "\n# changed: alpha runs again and is cached anew\n")
    refused = refuse_writes(monkeypatch, project.cache_dir, ENOSPC)
    with pytest.raises(FolioError) as err:
        build(project, NO_SITE)
    msg = err.value.render()
    assert refused and msg.startswith(f"{refused[0]}: the build stopped: No space left on device")
    assert "fix: free some disk space" in msg and "still in the cache" in msg
    monkeypatch.undo()
    assert entries(project) == before and leftovers(project) == []
    assert {k: v for k, v in snapshot(project).items() if k.startswith("build/cache/")} == {
        k: v for k, v in kept.items() if k.startswith("build/cache/")}
    r = build(project, NO_SITE)
    assert r.ok and statuses(r) == {"alpha": "executed", "beta": "cached"}


def test_a_full_disk_while_publishing_keeps_the_pages_as_they_were(warm, monkeypatch):
    project = warm
    kept = snapshot(project)
    index = project.posts_dir / "alpha" / "index.md"
    index.write_text(index.read_text().replace("Alpha introduces", "Alpha, edited, introduces"))
    refused = refuse_writes(monkeypatch, project.docs_dir, ENOSPC)
    with pytest.raises(FolioError) as err:
        build(project, NO_SITE)
    assert "No space left on device" in err.value.render()
    assert refused[0].startswith(str(project.generated_posts / ".alpha.md."))
    monkeypatch.undo()
    after = snapshot(project)
    assert {k: v for k, v in after.items() if k.startswith("site_src/")} == {
        k: v for k, v in kept.items() if k.startswith("site_src/")}
    assert leftovers(project) == []
    assert build(project, NO_SITE).ok
    assert "Alpha, edited, introduces" in (project.generated_posts / "alpha.md").read_text()


def test_a_read_only_build_folder_is_one_clear_message(warm, monkeypatch):
    project = warm
    kept = snapshot(project)
    refuse_writes(monkeypatch, project.build_dir, EROFS)
    with pytest.raises(FolioError) as err:
        build(project, NO_SITE)
    msg = err.value.render()
    assert msg.startswith(f"{project.build_dir / '.lock'}: the build stopped: Read-only file system")
    assert "fix: make build/ and site_src/ writable" in msg
    monkeypatch.undo()
    assert snapshot(project) == kept
