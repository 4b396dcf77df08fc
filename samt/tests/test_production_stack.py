"""The production stack as `make serve` runs it (gunicorn + WhiteNoise, DEBUG off) serves a styled page: its CSS
and its font arrive fingerprinted, pre-compressed and cacheable for a year."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from samt.tests.browser_support import screenshot
from samt.tests.stack import collect_static, free_port, live_database_url, production_env, start_server, stop


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("static")
    collect_static(production_env(database_url="sqlite:///unused", static_root=root))
    return root


@pytest.fixture
def production_server(tmp_path: Path, static_root: Path) -> Iterator[str]:
    # The pages loaded here read nothing from the database, so on SQLite (whose test database lives in this
    # process's memory) an empty file does.
    url = live_database_url() if connection.vendor == "postgresql" else f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    env = production_env(database_url=url, static_root=static_root)
    port = free_port()
    server = start_server(port, env, log=tmp_path / "gunicorn.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_production_stack_serves_a_styled_page_with_its_font(page, production_server):
    answers: dict[str, dict[str, str]] = {}
    page.on("response", lambda response: answers.__setitem__(response.url, response.all_headers()))

    page.goto(f"{production_server}/")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")

    assert page.get_by_role("heading", level=1).is_visible()
    # Styled: the header has the portal's colour and the body the portal's font, which really loaded.
    header_colour = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert header_colour == "rgb(11, 83, 148)"
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.replace(/[\"']/g, '') === 'Vazirmatn' && f.status === 'loaded')"
    )

    statics = {url: headers for url, headers in answers.items() if "/static/" in url}
    kinds = {url.rsplit(".", 1)[-1] for url in statics}
    assert {"css", "woff2"} <= kinds, statics
    for url, headers in statics.items():
        assert "immutable" in headers["cache-control"], (url, headers)
        assert "max-age=315360000" in headers["cache-control"], (url, headers)
        if url.endswith((".css", ".js")):
            assert headers.get("content-encoding") == "br", (url, headers)
    screenshot(page, "production_stack_home")


@pytest.mark.django_db(transaction=True)
def test_every_static_file_is_fingerprinted_with_brotli_and_gzip_copies(production_server):
    html = urllib.request.urlopen(f"{production_server}/login/", timeout=10).read().decode()
    assert "/static/samt/site." in html
    stylesheet = html.split('href="/static/samt/site.', 1)[1].split('"', 1)[0]
    assert len(stylesheet.split(".")[0]) == 12, stylesheet  # the content hash
    for encoding in ("br", "gzip"):
        request = urllib.request.Request(f"{production_server}/static/samt/site.{stylesheet}",
                                         headers={"Accept-Encoding": encoding})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.headers["Content-Encoding"] == encoding
    # An unhashed name still answers, briefly cached, for anything that cannot know the hash.
    with urllib.request.urlopen(f"{production_server}/static/samt/site.css", timeout=10) as answer:
        assert answer.status == 200
        assert "immutable" not in answer.headers["Cache-Control"]
