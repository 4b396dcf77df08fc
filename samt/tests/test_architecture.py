"""The direction of knowledge of design.md, held by a test: the kernel knows no app, insured knows only the
kernel, branches, brokers and payments know insured and the kernel but never each other, and hq (the province's
view over all of them) and the simulated year (a driver of every app's services) are known by no app, nor by each
other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "samt": {"insured", "branches", "brokers", "payments", "hq", "simulation"},
    "insured": {"branches", "brokers", "payments", "hq", "simulation"},
    "branches": {"brokers", "payments", "hq", "simulation"},
    "brokers": {"branches", "payments", "hq", "simulation"},
    "payments": {"branches", "brokers", "hq", "simulation"},
    "hq": {"simulation"},
    "simulation": {"hq"},
}
# The project glue may name every app: the URL list, the settings, the demo-data command and the crawl of the
# whole portal.
GLUE = {"samt/urls.py", "samt/settings.py", "samt/management/commands/seed_demo.py",
        "samt/tests/test_crawl.py"}
IMPORT = re.compile(r"^\s*(?:from|import)\s+([a-z_]+)", re.MULTILINE)


def imports_of(path: Path) -> set[str]:
    return set(IMPORT.findall(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_imports_only_what_it_may_know(app):
    offences = []
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in GLUE:
            continue
        wrong = imports_of(path) & FORBIDDEN[app]
        if wrong:
            offences.append(f"{relative} imports {', '.join(sorted(wrong))}")
    assert not offences, "\n".join(offences)


def test_the_psp_simulator_knows_no_portal_model():
    """It stands in for a bank: it may use the kernel's pure helpers, never the portal's data."""
    portal = {"insured", "branches", "brokers"}
    offences = []
    for path in sorted((ROOT / "payments" / "simulator").rglob("*.py")):
        if "/tests/" in path.as_posix():
            continue
        source = path.read_text(encoding="utf-8")
        if imports_of(path) & portal or re.search(r"^\s*from samt\.models\b|^\s*from payments\.models\b", source,
                                                   re.MULTILINE):
            offences.append(path.relative_to(ROOT).as_posix())
    assert not offences, offences


def test_only_the_presentation_layer_imports_template_tags():
    """Formatting is samt.formatting's; a service, rule or selector that wants an amount or a date as text calls
    it, never a template filter (whose lenient None-and-wrong-type handling would hide a bug in a message)."""
    tag_import = re.compile(r"^\s*(?:from|import)\s+[a-z_.]*templatetags\b", re.MULTILINE)
    offences = []
    for app in FORBIDDEN:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/templatetags/" in relative or "/tests/" in relative or relative.endswith("/admin.py"):
                continue
            if tag_import.search(path.read_text(encoding="utf-8")):
                offences.append(relative)
    assert not offences, offences
