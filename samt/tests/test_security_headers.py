"""Issue 10 item 8 (d): every response carries a Content-Security-Policy and a Permissions-Policy; every page behind
a login, and a payment's result and receipt, say `no-store` so no cache (a shared counter PC's, a proxy's) keeps
someone's record."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def directives(response) -> dict[str, str]:
    return {part.split()[0]: part.split(" ", 1)[1] if " " in part.strip() else ""
            for part in (p.strip() for p in response["Content-Security-Policy"].split(";")) if part}


@pytest.mark.parametrize("path", ["/", "/login/", "/calculator/", "/no-such-page/", "/healthz/"])
def test_every_response_says_what_the_browser_may_load_and_use(client, path):
    response = client.get(path)
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_public_pages_may_be_cached_pages_behind_a_login_may_not(client, client_for, insured_user, staff_a):
    assert "no-store" not in client.get("/calculator/").get("Cache-Control", "")
    for user, path in ((insured_user, "/me/"), (staff_a, "/branch/2104/"), (insured_user, "/calculator/")):
        cache_control = client_for(user).get(path)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, (path, cache_control)


def test_no_template_has_inline_script_or_style_attributes():
    """What the policy would refuse: an inline <script> or an HTML style attribute on a page (PDFs are not pages)."""
    found = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts or "pdf" in template.name or template.parent.name == "pdf":
            continue
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=\"", text) \
                or re.search(r"\son[a-z]+=\"", text):
            found.append(str(template.relative_to(ROOT)))
    assert not found
