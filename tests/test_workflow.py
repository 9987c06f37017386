"""The publish workflow is valid GitHub Actions YAML that builds, tests and deploys the site."""

from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "publish.yml"


def load():
    data = yaml.safe_load(WORKFLOW.read_text())
    # YAML 1.1 reads the bare key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def test_triggers_on_push_to_main():
    assert load()["on"]["push"]["branches"] == ["main"]


def test_jobs_are_well_formed():
    jobs = load()["jobs"]
    for name, job in jobs.items():
        assert "runs-on" in job, name
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{name}: a step needs exactly one of uses/run"
            if "uses" in step:
                action, _, version = step["uses"].partition("@")
                assert "/" in action and version, step["uses"]
    assert jobs["deploy"]["needs"] == "build"


def test_builds_tests_restores_cache_and_deploys():
    steps = load()["jobs"]["build"]["steps"]
    runs = [s.get("run") for s in steps]
    assert runs.index("make site") < runs.index("make test")
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"].split() == ["build/cache", "build/site-memo"]
    assert "requirements.lock" in cache["with"]["key"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "build/site"
    deploy = load()["jobs"]["deploy"]["steps"]
    assert deploy[0]["uses"].startswith("actions/deploy-pages@")
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "3.11"


def test_ci_entry_point_calls_the_readme_test_command():
    root = WORKFLOW.parent.parent.parent
    assert "make test" in (root / ".ci" / "run").read_text()
    assert "make test" in (root / "README.md").read_text().split("\n\n")[1]
