"""GPU cells: run where CUDA is, frozen with provenance, shown elsewhere when still current.

No GPU is needed: the device is faked, and the fixture's GPU cell only prints.
"""

import json
import shutil

import pytest

from folio import pipeline
from folio.execute.device import Device
from folio.pipeline import BuildOptions, build
from tests.conftest import FIXTURES, make_project

H100 = Device(True, "NVIDIA H100 80GB HBM3", driver="580.00", cuda="13.0")
CPU = Device(False, "cpu (x86_64)")


@pytest.fixture
def proj(tmp_path):
    return make_project(tmp_path / "b", posts=[FIXTURES / "posts" / "gpu-cell"])


def run(proj, monkeypatch, device, **kw):
    monkeypatch.setattr(pipeline, "detect", lambda: device)
    return build(proj, BuildOptions(jobs=1, site=False, **kw))


def page(proj, slug="gpu-cell"):
    return (proj.generated_posts / f"{slug}.md").read_text()


def test_without_results_the_page_says_pending_and_strict_fails(proj, monkeypatch):
    r = run(proj, monkeypatch, CPU)
    assert r.ok and r.results["gpu-cell"].gpu_pending == 1
    assert any("1 GPU cell(s) have no frozen results" in w for w in r.warnings)
    assert "GPU results pending" in page(proj) and "cpu result" in page(proj)
    assert "```text\ngpu result" not in page(proj)
    strict = run(proj, monkeypatch, CPU, strict=True)
    assert not strict.ok and any("no frozen results" in p for p in strict.problems)


def test_gpu_run_freezes_outputs_with_provenance_and_cpu_builds_show_them(proj, monkeypatch):
    gpu = run(proj, monkeypatch, H100)
    assert gpu.results["gpu-cell"].status == "executed"
    (frozen,) = (proj.figures_dir / "gpu-cell" / "frozen").glob("cell-*.json")
    record = json.loads(frozen.read_text())
    prov = record["provenance"]
    assert prov["device"] == "NVIDIA H100 80GB HBM3" and prov["cuda"] == "13.0"
    assert prov["torch"] and prov["triton"] and prov["date"] and prov["source_hash"] in frozen.name

    cpu = run(proj, monkeypatch, CPU)
    res = cpu.results["gpu-cell"]
    assert res.status == "frozen" and res.gpu_pending == 0
    text = page(proj)
    assert "gpu result: 1.23 ms" in text and "Measured on NVIDIA H100 80GB HBM3" in text
    assert run(proj, monkeypatch, CPU, strict=True).ok

    # An edit to the GPU cell makes the frozen result stale: pending again, never shown stale.
    index = proj.posts_dir / "gpu-cell" / "index.md"
    index.write_text(index.read_text().replace("1.23 ms", "0.98 ms"))
    stale = run(proj, monkeypatch, CPU)
    assert stale.results["gpu-cell"].gpu_pending == 1
    assert "```text\ngpu result" not in page(proj)


def test_report_marks_frozen_posts(proj, monkeypatch):
    run(proj, monkeypatch, H100)
    run(proj, monkeypatch, CPU)
    report = json.loads(proj.report_file.read_text())
    (post,) = report["posts"]
    assert post["status"] == "frozen" and post["gpu_pending"] == 0


def test_profile_cells_are_measured_once_and_frozen(tmp_path, monkeypatch):
    """A timing differs on every run; frozen, it is the same on every build until the cell changes."""
    proj = make_project(tmp_path / "p", posts=[FIXTURES / "posts" / "profile-cell"])
    first = run(proj, monkeypatch, CPU)
    assert first.results["profile-cell"].status == "executed"
    measured = page(proj, "profile-cell")
    assert "measured " in measured

    shutil.rmtree(proj.cache_dir)  # a clean build of the same commit
    again = run(proj, monkeypatch, CPU)
    res = again.results["profile-cell"]
    assert res.status == "frozen" and res.kernels_started == 1
    assert page(proj, "profile-cell") == measured
    assert "Measured on cpu (x86_64)" in measured

    index = proj.posts_dir / "profile-cell" / "index.md"
    index.write_text(index.read_text().replace('print("measured"', 'print("measured now"'))
    run(proj, monkeypatch, CPU)
    assert "measured now " in page(proj, "profile-cell")
    assert len(list((proj.figures_dir / "profile-cell" / "frozen").glob("cell-*.json"))) == 1
