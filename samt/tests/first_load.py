"""What a browser with an empty cache downloads to show a page: the HTML, then every stylesheet, script and image
it names from /static/, and the fonts those stylesheets load. Static files are counted as WhiteNoise sends them
(brotli at collectstatic's quality); the HTML as it leaves the server, uncompressed."""

from __future__ import annotations

import re
from functools import cache
from pathlib import PurePosixPath

import brotli
from django.conf import settings
from django.contrib.staticfiles import finders

# The budget of design.md: every page within 150 KB on first load.
FIRST_LOAD_BUDGET = 150_000

ASSET = re.compile(r"<(?:link|script|img)\b[^>]*?\b(?:href|src)=\"(/static/[^\"]+)\"")
CSS_URL = re.compile(r"url\(\s*[\"']?([^\"')]+)[\"']?\s*\)")


@cache
def compressed_size(static_path: str) -> int:
    found = finders.find(static_path)
    if found is None:
        raise AssertionError(f"{static_path} is named by a page but not among the static files")
    with open(found, "rb") as file:
        data = file.read()
    if static_path.endswith((".woff2", ".png", ".jpg", ".webp")):
        return len(data)  # compressed already; WhiteNoise sends them as they are
    return len(brotli.compress(data, quality=11))


def _relative(url: str) -> str:
    return url.removeprefix(settings.STATIC_URL).split("?", 1)[0]


def fonts_of(static_path: str) -> list[str]:
    found = finders.find(static_path)
    assert found is not None, static_path
    with open(found, encoding="utf-8") as file:
        css = file.read()
    base = PurePosixPath(static_path).parent
    fonts = []
    for url in CSS_URL.findall(css):
        if url.startswith(("data:", "http:", "https:", "//")) or not url.endswith((".woff2", ".woff", ".ttf")):
            continue
        parts: list[str] = []
        for part in (base / url).parts:
            if part == "..":
                parts.pop()
            elif part != ".":
                parts.append(part)
        fonts.append("/".join(parts))
    return fonts


def first_load(html: str) -> dict[str, int]:
    """Bytes per file of a first visit to a page whose HTML is `html` (the page itself under "")."""
    sizes = {"": len(html.encode())}
    for url in ASSET.findall(html):
        path = _relative(url)
        sizes[path] = compressed_size(path)
        if path.endswith(".css"):
            for font in fonts_of(path):
                sizes[font] = compressed_size(font)
    return sizes
