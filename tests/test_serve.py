"""`folio serve`: a prose edit reaches the served page without starting a kernel."""

import socket
import subprocess
import sys

from tests.conftest import REPO, make_project
from tests.site_server import fetch, interrupt, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_prose_edit_updates_the_served_page_without_a_kernel(tmp_path):
    proj = make_project(tmp_path / "blog")
    port = free_port()
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "folio", "serve", "--port", str(port)],
                            cwd=proj.root, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    from folio.serve import site_url

    url = site_url(proj, "127.0.0.1", port) + "blog/alpha/"
    try:
        wait_for(lambda: "Alpha introduces" in fetch(url), 120)
        index = proj.posts_dir / "alpha" / "index.md"
        index.write_text(index.read_text().replace("Alpha introduces", "Alpha now introduces"))
        seconds = wait_for(lambda: "Alpha now introduces" in fetch(url), 60)

        def logged() -> str:
            log.seek(0)
            return log.read()
        wait_for(lambda: "rebuilt alpha" in logged(), 30)  # said once the site is written
        text = logged()
        lines = text.splitlines()
        at = next(i for i, l in enumerate(lines) if "rebuilt alpha" in l)
        summary = next(l for l in reversed(lines[:at]) if "kernel(s) started" in l)
        # The rebuild after the edit took the post from the cache: no kernel started.
        assert "1 cached; 0 kernel(s) started" in summary, text[-2000:]
        print(f"edit-to-refresh: {seconds:.2f} s")
        # That edit was to the excerpt, which the listings show; one to the body alone is
        # patched into the served site (see folio.site.patch).
        index.write_text(index.read_text().replace("<!-- more -->", "<!-- more -->\n\nA body edit."))
        wait_for(lambda: "A body edit." in fetch(url), 60)
        wait_for(lambda: logged().count("rebuilt alpha") == 2, 30)
        site_line = [l for l in logged().splitlines() if "site written" in l][-1]
        assert "1 patched in place" in site_line, logged()[-2000:]
    finally:
        interrupt(proc, 15)
        log.close()


def test_a_blog_with_no_figure_yet_is_served(tmp_path):
    """A blog of prose posts has no figures/ folder; mkdocs serve refused to watch a missing
    folder, and folio serve used to exit silently with code 0."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from synthetic import generate, slug

    proj = make_project(tmp_path / "blog", posts=[])
    generate(proj.posts_dir, 2)
    assert not proj.figures_dir.exists()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "folio", "serve", "--port", str(port)],
                            cwd=proj.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True, text=True)
    from folio.serve import site_url

    url = site_url(proj, "127.0.0.1", port) + f"blog/{slug(1)}/"
    try:
        wait_for(lambda: proc.poll() is not None or bool(fetch(url)), 120)
        assert proc.poll() is None, proc.stderr.read()[-2000:]
    finally:
        interrupt(proc, 15)
