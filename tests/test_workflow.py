"""The publish workflow: valid for GitHub Actions (its own schema), clean under zizmor, the Actions
security linter, and shaped as plan -> execution shards (+ GPU) -> build and test -> deploy."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import make_project

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"
BIN = Path(sys.executable).parent


def load():
    data = yaml.safe_load(WORKFLOW.read_text())
    # YAML 1.1 reads the bare key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(job: str) -> list[dict]:
    return load()["jobs"][job]["steps"]


def uses(job: str, action: str) -> list[dict]:
    return [s for s in steps(job) if s.get("uses", "").startswith(action + "@")]


def test_the_schema_of_github_workflows_accepts_it():
    out = subprocess.run([BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows",
                          str(WORKFLOW)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_zizmor_finds_nothing_at_any_level():
    """The auditor persona (every audit, false positives included), every severity and
    confidence, no configuration file. One finding is waived in the file itself, with its
    reason: the GPU job's self-hosted runner, which no pull request can reach."""
    out = subprocess.run([BIN / "zizmor", "--offline", "--no-config", "--persona=auditor",
                          "--min-severity=informational", "--min-confidence=low",
                          "--format=json", str(WORKFLOW)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout) == []
    waived = re.findall(r"zizmor: ignore\[([^\]]*)\]", WORKFLOW.read_text())
    assert waived == ["self-hosted-runner"]
    assert "pull_request" not in load()["on"]


def test_triggers_on_push_to_main():
    assert load()["on"]["push"]["branches"] == ["main"]


def test_only_deploy_can_write():
    data = load()
    assert data["permissions"] == {}
    jobs = data["jobs"]
    for name in ("plan", "execute", "gpu", "build"):
        assert jobs[name]["permissions"] == {"contents": "read"}, name
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_actions_are_pinned_to_commits_and_checkouts_keep_no_credentials():
    text = WORKFLOW.read_text()
    for name, job in load()["jobs"].items():
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{name}: a step needs exactly one of uses/run"
            if "uses" not in step:
                continue
            action, _, ref = step["uses"].partition("@")
            assert re.fullmatch(r"[0-9a-f]{40}", ref), step["uses"]
            # The version the commit is, in a comment on the same line.
            assert re.search(re.escape(step["uses"]) + r"\s+# v\d+\.\d+\.\d+\n", text), step["uses"]
            if action == "actions/checkout":
                assert step["with"]["persist-credentials"] is False, name


def test_plan_then_a_matrix_of_shards_then_build_then_deploy():
    jobs = load()["jobs"]
    plan = jobs["plan"]
    assert "folio-exec-" in uses("plan", "actions/cache/restore")[0]["with"]["key"]
    assert "make --silent plan" in next(s["run"] for s in plan["steps"] if "run" in s)
    assert set(plan["outputs"]) == {"shards", "matrix", "cache-key"}

    execute = jobs["execute"]
    assert execute["needs"] == "plan"
    assert execute["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    # Every shard restores exactly the cache the plan was made from.
    restore = uses("execute", "actions/cache/restore")[0]["with"]
    assert "needs.plan.outputs.cache-key" in restore["key"] and "restore-keys" not in restore
    run = next(s for s in execute["steps"] if "run" in s)
    assert run["run"] == '.ci/shard "$SHARD"'
    assert run["env"]["SHARD"] == "${{ matrix.shard }}/${{ needs.plan.outputs.shards }}"
    upload = uses("execute", "actions/upload-artifact")[0]["with"]
    assert upload["path"] == "build/shard-out" and upload["name"].startswith("cache-shard-")

    gpu = jobs["gpu"]
    assert gpu["runs-on"] == ["self-hosted", "gpu"]
    assert gpu["if"] == "${{ vars.FOLIO_GPU_RUNNER == 'true' }}"
    assert any(s.get("run") == ".ci/shard 1/1 gpu" for s in gpu["steps"])

    build = jobs["build"]
    assert build["needs"] == ["plan", "execute", "gpu"]
    assert "needs.gpu.result != 'failure'" in build["if"] and "!cancelled()" in build["if"]
    merge = uses("build", "actions/download-artifact")
    assert merge[0]["with"] == {"pattern": "cache-shard-*", "merge-multiple": True,
                                "path": "${{ github.workspace }}"}
    assert merge[1]["with"]["path"] == "figures"
    runs = [s.get("run") for s in build["steps"]]
    assert runs.index("make site") < runs.index("make test")
    cache = uses("build", "actions/cache")[0]["with"]
    assert cache["path"].split() == ["build/cache", "build/site-memo", "build/report.json"]
    assert "requirements.lock" in cache["key"]
    assert uses("build", "actions/upload-pages-artifact")[0]["with"]["path"] == "build/site"
    setup = uses("build", "actions/setup-python")[0]
    assert setup["with"]["python-version"] == "3.11"

    assert jobs["deploy"]["needs"] == "build"
    assert jobs["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_the_shard_script_hands_over_exactly_the_entries_it_made(tmp_path):
    """.ci/shard runs `make shard` (here a stand-in that runs folio directly) and copies the new
    cache entries, paths kept, into build/shard-out: what the build job merges."""
    proj = make_project(tmp_path / "blog")
    shutil.copytree(ROOT / ".ci", proj.root / ".ci")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "make").write_text(
        "#!/bin/sh\n# make shard SHARD=K/N REQUIRES=...\n"
        f'exec "{sys.executable}" -m folio build --shard "${{2#SHARD=}}" --no-site --jobs 1\n')
    (fake / "make").chmod(0o755)
    # An entry that was there before the shard ran is not handed over again.
    old = proj.cache_dir / "ab" / ("ab" + "0" * 30)
    old.mkdir(parents=True)
    (old / "record.json").write_text("{}")
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([str(proj.root / ".ci" / "shard"), "1/2"], cwd=proj.root, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    handed = sorted(p.relative_to(proj.root / "build" / "shard-out").as_posix()
                    for p in (proj.root / "build" / "shard-out").rglob("*") if p.is_file())
    made = sorted(p.relative_to(proj.root).as_posix() for p in proj.cache_dir.rglob("*")
                  if p.is_file() and old not in p.parents)
    assert handed == made and len(made) >= 3  # alpha: its entry (2 files) and its mutants
    assert any(h.startswith("build/cache/mutants/") for h in handed)
    assert f"shard 1/2: {len(made)} new file(s)" in out.stdout


def test_ci_entry_point_calls_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text().split("\n\n")[1]
