"""The static files pages load are built from the vendored sources by assets/build_css.py and assets/build_font.py;
these tests fail when a template starts to need something the built files lack (then run `make assets`)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fontTools.ttLib import TTFont

from samt.tests.first_load import FIRST_LOAD_BUDGET, first_load

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"


def build_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "assets" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_bootstrap_class_the_templates_use_is_in_the_shipped_css():
    css = build_script("build_css")
    needed = css.classes_of(css.build(css.SOURCE.read_text(), *css.used_names()))
    shipped = css.classes_of(css.TARGET.read_text())
    missing = sorted(needed - shipped)
    assert not missing, (
        f"templates use Bootstrap classes that {css.TARGET.relative_to(ROOT)} lacks: {', '.join(missing)}. "
        "Run `make assets` and commit the result."
    )


def test_the_shipped_bootstrap_is_trimmed_and_keeps_what_the_layout_needs():
    css = build_script("build_css")
    shipped = css.TARGET.read_text()
    assert len(shipped) < len(css.SOURCE.read_text()) / 2
    assert {"container", "navbar", "navbar-expand-md", "collapse", "btn", "alert-danger", "form-control",
            "table", "d-none", "d-sm-inline"} <= css.classes_of(shipped)
    # A class no template names is gone.
    assert "carousel-item" not in css.classes_of(shipped)
    assert "sourceMappingURL" not in shipped
    assert not re.search(r"@import|url\(\s*[\"']?https?:", shipped)


def test_a_class_named_in_a_template_keeps_its_rules_and_a_variable_prefix_keeps_the_family():
    css = build_script("build_css")
    source = ".badge{a:1}.text-bg-danger{b:2}.text-bg-info{c:3}.spinner-border{d:4}@media (min-width:1px){.badge{e:5}}"
    built = css.build(source, {"badge"}, {"text-bg-"})
    assert ".badge{a:1}" in built and "@media (min-width:1px){.badge{e:5}}" in built
    assert ".text-bg-danger" in built and ".text-bg-info" in built
    assert "spinner-border" not in built


def test_the_web_font_has_every_persian_character_the_portal_writes():
    font = build_script("build_font")
    cmap = TTFont(font.TARGET).getBestCmap()
    written: set[str] = set()
    for path in [*ROOT.glob("*/templates/**/*.html"), *ROOT.glob("templates/**/*.html")]:
        written.update(path.read_text())
    persian = {char for char in written if 0x0600 <= ord(char) <= 0x06FF or char in "«»×—…\u200c"}
    missing = sorted(char for char in persian if ord(char) not in cmap)
    assert not missing, f"the subset lacks {missing}: add them to UNICODES in assets/build_font.py"
    assert font.TARGET.stat().st_size < 45_000


def test_the_font_block_of_site_css_is_the_one_the_build_writes():
    font = build_script("build_font")
    site = (STATIC / "samt" / "site.css").read_text()
    assert "../vendor/vazirmatn/Vazirmatn-subset.woff2" in site
    assert "font-display: swap" in site
    # Every fallback face is scaled to Vazirmatn's metrics and named in the font stack.
    for fallback in font.FALLBACKS:
        assert f'font-family: "Vazirmatn {fallback.family}"' in site
        assert f'"Vazirmatn {fallback.family}"' in site.split("--samt-font:", 1)[1]
    assert site.count("ascent-override") == len(font.FALLBACKS)


@pytest.mark.django_db
def test_the_public_pages_load_within_the_budget(client):
    for path in ("/", "/login/", "/calculator/"):
        sizes = first_load(client.get(path).content.decode())
        assert "vendor/vazirmatn/Vazirmatn-subset.woff2" in sizes, sizes
        assert "vendor/bootstrap/bootstrap.rtl.css" in sizes, sizes
        assert sum(sizes.values()) <= FIRST_LOAD_BUDGET, (path, sizes)


def test_no_page_loads_bootstrap_javascript():
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" not in path.parts:
            assert "bootstrap.bundle" not in path.read_text(), path
