"""Execution spread over machines: ``folio build --shard K/N`` in separate copies of the blog, the
shards' caches merged by copying, and a final build that executes nothing and writes the same
site, byte for byte, as one machine building everything."""

import json
import shutil
from pathlib import Path

from folio.cli import main
from folio.execute.shard import partition, shard_count
from folio.pipeline import BuildOptions, build
from tests.conftest import make_project
from tests.test_reproducible import differing

GAMMA = """\
---
title: Gamma
date: "2026-01-25"
authors: [folio]
categories: [Testing]
description: A third fixture post, so that there is something to shard.
---

Gamma squares a number.

<!-- more -->

```{code-cell} ipython3
print("square", 12 * 12)
```
"""

DELTA = """\
---
title: Delta
date: "2026-01-28"
authors: [folio]
categories: [Testing]
description: Prose only, with inline math and a link.
---

Delta has nothing to run: $a^2 + b^2 = c^2$ is inline math, and [Alpha](alpha.md) a link.

<!-- more -->

## A section

More prose.
"""


def blog(dest: Path):
    proj = make_project(dest)
    for slug, text in (("gamma", GAMMA), ("delta", DELTA)):
        (proj.posts_dir / slug).mkdir()
        (proj.posts_dir / slug / "index.md").write_text(text)
    return proj


def cache_files(proj) -> set[str]:
    return {p.relative_to(proj.cache_dir).as_posix() for p in proj.cache_dir.rglob("*")
            if p.is_file()}


def folio(proj, monkeypatch, capsys, *args) -> tuple[int, str, str]:
    monkeypatch.chdir(proj.root)
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_two_shards_merged_build_the_same_site_as_one_machine(tmp_path, monkeypatch, capsys):
    single = blog(tmp_path / "single" / "blog")
    assert build(single, BuildOptions(jobs=2)).ok

    shards = []
    for k in (1, 2):
        proj = blog(tmp_path / f"shard{k}" / "blog")
        code, _, err = folio(proj, monkeypatch, capsys, "build", "--shard", f"{k}/2", "--no-site",
                             "--jobs", "1")
        assert code == 0, err
        executed = {p["slug"] for p in json.loads(proj.report_file.read_text())["posts"]}
        shards.append(executed)
        assert f"shard {k}/2: {len(executed)} of the 3 post(s)" in err
    # Every post with something to run is executed by exactly one shard; the prose-only post
    # (delta) by none. No report known: every post counts 1 s, alpha and gamma go together.
    assert shards == [{"alpha", "gamma"}, {"beta"}]

    merged = blog(tmp_path / "merged" / "blog")
    for k in (1, 2):
        shutil.copytree(tmp_path / f"shard{k}" / "blog" / "build" / "cache", merged.cache_dir,
                        dirs_exist_ok=True)
    before = cache_files(merged)
    assert any(f.startswith("mutants/") for f in before)

    monkeypatch.chdir(merged.root)
    result = build(merged, BuildOptions(jobs=2))
    err = capsys.readouterr().err
    assert result.ok, result.problems
    assert sum(r.kernels_started for r in result.results.values()) == 0
    assert {s: r.status for s, r in result.results.items()} == {
        "alpha": "cached", "beta": "cached", "gamma": "cached", "delta": "prose"}
    assert "mutation analysis of" not in err and "0 kernel(s) started" in err
    assert cache_files(merged) == before  # nothing executed, nothing added

    # The report page carries each run's own timings: the one page allowed to differ.
    assert [d for d in differing(single.site_dir, merged.site_dir)
            if not d.startswith("report/")] == []
    assert any("square 144" in p.read_text() for p in merged.site_dir.rglob("*.html"))


def test_a_shard_beyond_the_posts_to_execute_runs_nothing(tmp_path, monkeypatch, capsys):
    proj = blog(tmp_path / "blog")
    code, _, err = folio(proj, monkeypatch, capsys, "build", "--shard", "4/4", "--no-site")
    assert code == 0
    assert "shard 4/4: no post needs executing (3 in all need executing here)" in err
    assert not proj.cache_dir.exists()


def test_a_bad_shard_says_how_to_write_one(tmp_path, monkeypatch, capsys):
    proj = blog(tmp_path / "blog")
    for bad in ("3/2", "0/2", "two", "1/"):
        code, _, err = folio(proj, monkeypatch, capsys, "build", "--shard", bad, "--no-site")
        assert code == 1
        assert f"--shard '{bad}' is not a shard of a build" in err
        assert "write K/N with 1 <= K <= N" in err


def test_plan_prints_the_shard_count_from_the_last_known_times(tmp_path, monkeypatch, capsys):
    proj = blog(tmp_path / "blog")
    # Nothing known: three posts of 1 s each are not worth more than one runner.
    code, out, err = folio(proj, monkeypatch, capsys, "build", "--plan")
    assert code == 0 and out.splitlines() == ["shards=1", "matrix=[1]"]
    assert "3 post(s) need executing here" in err and not proj.cache_dir.exists()
    # The last build's report says how long each post took.
    proj.build_dir.mkdir()
    proj.report_file.write_text(json.dumps({"posts": [
        {"slug": "alpha", "seconds": 100.0}, {"slug": "beta", "seconds": 50.0},
        {"slug": "gamma", "seconds": 40.0}, {"slug": "delta", "seconds": 0.0}]}))
    code, out, err = folio(proj, monkeypatch, capsys, "build", "--plan")
    assert out.splitlines() == ["shards=3", "matrix=[1, 2, 3]"]
    assert "shard 1/3 (100 s): alpha" in err and "shard 3/3 (40 s): gamma" in err
    code, out, _ = folio(proj, monkeypatch, capsys, "build", "--plan", "--max-shards", "2")
    assert out.splitlines() == ["shards=2", "matrix=[1, 2]"]
    # GPU posts on their own: the fixture blog has none.
    code, out, err = folio(proj, monkeypatch, capsys, "build", "--plan", "--requires", "gpu")
    assert out.splitlines() == ["shards=1", "matrix=[1]"] and "0 post(s) (gpu posts)" in err


def test_a_gpu_post_is_selected_for_the_gpu_runner(tmp_path, monkeypatch, capsys):
    fixtures = Path(__file__).resolve().parent / "fixtures" / "posts"
    proj = make_project(tmp_path / "blog", posts=[fixtures / "gpu-cell", fixtures / "correct"])
    _, _, err = folio(proj, monkeypatch, capsys, "build", "--plan", "--requires", "gpu")
    assert "shard 1/1 (1 s): gpu-cell" in err
    _, _, err = folio(proj, monkeypatch, capsys, "build", "--plan", "--requires", "cpu")
    assert "shard 1/1 (1 s): correct" in err


def test_partition_is_balanced_and_independent_of_input_order():
    seconds = {"a": 5.0, "b": 4.0, "c": 3.0, "d": 3.0, "e": 3.0}
    shards = partition(seconds, 2)
    assert shards == [["a", "d"], ["b", "c", "e"]]  # 8 s and 10 s
    assert partition(dict(reversed(list(seconds.items()))), 2) == shards
    assert sorted(s for b in partition(seconds, 7) for s in b) == sorted(seconds)
    assert partition(seconds, 7)[5:] == [[], []]
    assert shard_count({}) == 1 and shard_count({"a": 500.0}) == 1
    assert shard_count({f"p{i}": 30.0 for i in range(100)}) == 8
    assert shard_count({f"p{i}": 30.0 for i in range(4)}) == 2
