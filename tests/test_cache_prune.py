"""``folio cache prune``: entries no current post would use go; every current one stays."""

from folio.cli import main
from folio.pipeline import BuildOptions, build

NO_SITE = BuildOptions(jobs=2, site=False)


def entries(project):
    return sorted(d.name for d in project.cache_dir.glob("??/*"))


def test_prune_removes_only_entries_no_post_uses(project, monkeypatch, capsys):
    build(project, NO_SITE)
    current = entries(project)
    mod = project.posts_dir / "alpha" / "alpha_eqs.py"
    original = mod.read_text()
    mod.write_text(original + "\n# changed\n")
    build(project, NO_SITE)
    mod.write_text(original + "\n# changed again\n")
    build(project, NO_SITE)
    latest = entries(project)
    assert len(latest) == 4  # beta, and three versions of alpha
    mutants = lambda: sorted(project.cache_dir.glob("mutants/??/*.json"))  # noqa: E731
    assert len(mutants()) == 3  # alpha's mutation analyses (beta has no equation: none)
    (project.cache_dir / "ab").mkdir()
    (project.cache_dir / "ab" / ".tmp-abcdef12-x").mkdir()  # a write that never finished

    monkeypatch.chdir(project.root)
    assert main(["cache", "prune", "--dry-run"]) == 0
    assert "would remove 5 cache entries" in capsys.readouterr().out
    assert len(entries(project)) == 5

    assert main(["cache", "prune"]) == 0
    assert "removed 5 cache entries" in capsys.readouterr().out
    assert len(mutants()) == 1
    kept = entries(project)
    assert len(kept) == 2 and set(kept) <= set(latest) and not set(kept) & (set(current) - set(latest))
    assert not (project.cache_dir / "ab").exists()
    r = build(project, NO_SITE)  # everything the posts need is still there
    assert {s: x.status for s, x in r.results.items()} == {"alpha": "cached", "beta": "cached"}


def test_prune_refuses_when_a_post_does_not_parse(project, monkeypatch, capsys):
    build(project, NO_SITE)
    before = entries(project)
    index = project.posts_dir / "beta" / "index.md"
    index.write_text(index.read_text().replace("title:", "titel:", 1))
    monkeypatch.chdir(project.root)
    assert main(["cache", "prune"]) == 1
    err = capsys.readouterr().err
    assert "posts/beta/index.md" in err and "the cache was not pruned" in err
    assert entries(project) == before
