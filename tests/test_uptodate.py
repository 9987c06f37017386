"""`folio build` with nothing to do answers from the stamp of its inputs (folio.uptodate), and
builds again as soon as anything it reads may have changed."""

import os
import subprocess
import sys

from folio import uptodate
from folio.options import BuildOptions
from folio.pipeline import BuildResult

NOTHING = "(nothing changed since the last build)"


def _build(root, *args, env=None):
    return subprocess.run([sys.executable, "-m", "folio", "build", "--no-site", *args], cwd=root,
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_a_no_op_build_replays_the_last_summary_and_warnings(project):
    first = _build(project.root)
    assert first.returncode == 0, first.stderr
    again = _build(project.root)
    assert again.returncode == 0 and NOTHING in again.stderr
    assert "0 kernel(s) started; 0 page(s) rendered" in again.stderr
    last = [l for l in first.stderr.splitlines() if "equations verified" in l][-1]
    assert last.split("equations verified")[0].split(";")[-1] in again.stderr  # "k of n"
    warnings = [l for l in first.stderr.splitlines() if l.startswith("folio: warning:")]
    assert warnings == [l for l in again.stderr.splitlines() if l.startswith("folio: warning:")]


def test_touching_a_source_an_env_setting_or_an_output_builds_again(project):
    assert _build(project.root).returncode == 0
    index = project.posts_dir / "alpha" / "index.md"
    os.utime(index)  # same bytes, newer time: built again (then nothing to render)
    assert NOTHING not in _build(project.root).stderr
    assert NOTHING in _build(project.root).stderr
    assert NOTHING not in _build(project.root, env={"FOLIO_PREVIEW": "1"}).stderr
    assert NOTHING not in _build(project.root, "--strict").stderr
    assert _build(project.root).returncode == 0
    (project.build_dir / "render.json").unlink()  # a build output gone
    assert NOTHING not in _build(project.root).stderr
    assert NOTHING not in _build(project.root, "--force", "alpha").stderr  # never replayed


def test_a_source_saved_during_the_build_or_a_failed_build_records_nothing(project):
    opts = BuildOptions(site=False)
    before = uptodate.sources(project)
    (project.posts_dir / "alpha" / "index.md").write_text(
        (project.posts_dir / "alpha" / "index.md").read_text() + "\nSaved mid-build.\n")
    uptodate.record(project, opts, before, BuildResult())
    assert uptodate.lookup(project, opts)[0] is None
    failed = BuildResult(problems=["posts/alpha: a failure"])
    uptodate.record(project, opts, uptodate.sources(project), failed)
    assert uptodate.lookup(project, opts)[0] is None
    uptodate.record(project, opts, uptodate.sources(project), BuildResult())
    assert uptodate.lookup(project, opts)[0] is not None


def test_the_generated_folders_it_skips_are_the_ones_folio_writes(project):
    from folio.render import extras

    generated = {project.generated_posts, project.generated_series, project.generated_notebooks,
                 project.report_page, *extras.dirs(project)}
    assert {project.docs_dir / g for g in uptodate.GENERATED} == generated
