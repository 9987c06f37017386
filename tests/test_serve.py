"""`folio serve`: a prose edit reaches the served page without starting a kernel."""

import sys

from tests.conftest import REPO, make_project
from tests.test_browser import ARGS, CHROMIUM
from tests.site_server import fetch, interrupt, start_serve, wait_for


def test_prose_edit_updates_the_served_page_without_a_kernel(tmp_path):
    proj = make_project(tmp_path / "blog")
    log = tmp_path / "serve.log"
    proc, site = start_serve([sys.executable, "-m", "folio", "serve", "--port", "0"],
                             proj.root, log)
    url = site + "blog/alpha/"
    from playwright.sync_api import sync_playwright

    try:
        wait_for(lambda: "Alpha introduces" in fetch(url), 120)
        # The author's browser shows the page; after the edit it reloads by itself.
        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(url)
        assert "Alpha introduces" in page.inner_text("article")
        index = proj.posts_dir / "alpha" / "index.md"
        index.write_text(index.read_text().replace("Alpha introduces", "Alpha now introduces"))
        seconds = wait_for(lambda: "Alpha now introduces" in fetch(url), 60)
        page.wait_for_function("document.querySelector('article').innerText"
                               ".includes('Alpha now introduces')", timeout=30_000)
        browser.close()
        pw.stop()

        def logged() -> str:
            return log.read_text(errors="replace")
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


def test_a_blog_with_no_figure_yet_is_served(tmp_path):
    """A blog of prose posts has no figures/ folder; mkdocs serve refused to watch a missing
    folder, and folio serve used to exit silently with code 0."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from synthetic import generate, slug

    proj = make_project(tmp_path / "blog", posts=[])
    generate(proj.posts_dir, 2)
    assert not proj.figures_dir.exists()
    log = tmp_path / "serve.log"
    proc, site = start_serve([sys.executable, "-m", "folio", "serve", "--port", "0"],
                             proj.root, log)
    url = site + f"blog/{slug(1)}/"
    try:
        wait_for(lambda: proc.poll() is not None or bool(fetch(url)), 120)
        assert proc.poll() is None, log.read_text()[-2000:]
    finally:
        interrupt(proc, 15)


def test_a_file_replaced_while_it_is_served_is_served_whole(tmp_path, monkeypatch):
    """folio writes a file by renaming a new one over it; mkdocs' server opened the old file,
    then took the length from the path (the new file's), and a client waited for bytes that
    never came (http.client.IncompleteRead in the scale benchmark). The length sent is that of
    the bytes sent, and HTML pages get the reload script."""
    import os
    import wsgiref.util

    from folio.serve import preview_server

    proj = make_project(tmp_path / "blog", posts=[])
    site = proj.site_dir
    (site / "search").mkdir(parents=True)
    index = site / "search" / "search_index.json"
    index.write_text('{"docs": []}')
    (site / "index.html").write_text("<html><body><p>home</p></body></html>")
    server = preview_server(proj, "127.0.0.1", 0)  # never bound
    real = os.path.getsize

    def replaced_first(path):  # the rename lands between mkdocs' open and its size
        if path.endswith("search_index.json"):
            new = index.with_suffix(".new")
            new.write_text('{"docs": [{"location": "a/", "text": "longer"}]}')
            os.replace(new, index)
        return real(path)

    monkeypatch.setattr(os.path, "getsize", replaced_first)
    for path, expect in (("search/search_index.json", b'{"docs": []}'),
                         ("index.html", b"home")):
        environ = {"PATH_INFO": server.mount_path + path, "REQUEST_METHOD": "GET"}
        wsgiref.util.setup_testing_defaults(environ)
        headers = []
        body = b"".join(server.serve_request(environ, lambda s, h, *a: headers.extend(h)))
        assert expect in body
        assert dict(headers)["Content-Length"] == str(len(body)), (path, headers, body)
        if path.endswith(".html"):
            assert b"livereload" in body


def test_saves_by_rename_and_renamed_post_folders_are_rebuilt(tmp_path):
    """What the preview's watcher makes of an editor's save and of a post folder renamed: a
    temporary dot-file renamed over index.md rebuilds that post (the move's source alone is
    ignored); a folder renamed or removed under posts/ rebuilds everything, so the site drops
    the old post; a read, or a change under __pycache__, rebuilds nothing."""
    from watchdog.events import (DirMovedEvent, FileClosedNoWriteEvent, FileModifiedEvent,
                                 FileMovedEvent, FileOpenedEvent)

    from folio.serve import _Changes

    proj = make_project(tmp_path / "blog")
    posts = proj.posts_dir
    changes = _Changes(proj)

    def batch(*events):
        for e in events:
            changes.on_any_event(e)
        return changes.wait(quiet=0.0, timeout=0.0)

    assert batch(FileMovedEvent(str(posts / "alpha" / ".goutputstream-X1"),
                                str(posts / "alpha" / "index.md"))) == ("alpha",)
    assert batch(FileModifiedEvent(str(posts / "beta" / "index.md"))) == ("beta",)
    assert batch(DirMovedEvent(str(posts / "alpha"), str(posts / "alpha-2"))) == ()
    assert batch(FileOpenedEvent(str(posts / "alpha" / "index.md")),
                 FileClosedNoWriteEvent(str(posts / "alpha" / "index.md")),
                 FileModifiedEvent(str(posts / "alpha" / "__pycache__" / "m.pyc"))) is None
