"""``folio build --only SLUG`` on a fresh clone with a copied cache: the other posts' pages come
from the cache, so nothing links to a missing page."""

import shutil
import subprocess
import sys


def _folio(root, *args):
    return subprocess.run([sys.executable, "-m", "folio", *args], cwd=root, capture_output=True,
                          text=True)


def _fresh_clone(project):
    """What a clone has: no generated pages (gitignored), but the cache CI restores."""
    for d in (project.generated_posts, project.generated_series, project.generated_notebooks):
        shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(project.site_dir, ignore_errors=True)


def test_only_on_a_fresh_clone_renders_the_others_from_the_cache(project):
    assert _folio(project.root, "build").returncode == 0
    _fresh_clone(project)
    out = _folio(project.root, "build", "--only", "beta")
    assert out.returncode == 0, out.stderr
    assert "warning" not in out.stderr, out.stderr
    assert "0 kernel(s) started" in out.stderr  # beta is cached too; alpha only read back
    assert (project.generated_posts / "alpha.md").is_file()
    assert (project.site_dir / "blog" / "alpha" / "index.html").is_file()


def test_only_without_a_cache_entry_leaves_the_post_out_and_says_why(project):
    out = _folio(project.root, "build", "--only", "beta")
    assert out.returncode == 0, out.stderr
    assert ("1 post(s) not built this time have no page yet (alpha), so the site leaves them "
            "out; run a full `folio build` once to include them") in out.stderr
    assert "fix the warnings above" not in out.stderr
    assert not (project.generated_posts / "alpha.md").exists()
