"""The layout: Persian, RTL, every asset served by us, error pages in Persian."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import path

import samt.urls

pytestmark = pytest.mark.django_db

# Anything that would make a browser fetch from another host: src/href/action/url() with a scheme or a
# protocol-relative address.
EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.I)
STATIC = Path(settings.BASE_DIR) / "static"


def assert_local_only(html: str) -> None:
    found = EXTERNAL.findall(html)
    assert not found, f"page loads from another host: {found}"


def test_main_pages_load_nothing_from_another_host(client_for, client, staff_a, hq_user, broker_operator,
                                                   insured_user, branch_a):
    pages = [(client, "/"), (client, "/login/"), (client, "/no-such-page/")]
    pages += [(client_for(staff_a), "/branch/2104/"), (client_for(hq_user), "/hq/"),
              (client_for(hq_user), "/hq/audit/"), (client_for(broker_operator), "/broker/1001/"),
              (client_for(insured_user), "/me/"), (client_for(insured_user), "/password/")]
    for who, url in pages:
        html = who.get(url).content.decode()
        assert '<html lang="fa" dir="rtl">' in html, url
        assert_local_only(html)


def test_the_enrolment_qr_is_drawn_inline(client, staff_a):
    client.force_login(staff_a)
    html = client.get("/otp/enrol/").content.decode()
    assert "<svg" in html
    assert_local_only(html)


def test_vendored_css_and_fonts_are_present_and_local():
    css = (STATIC / "samt" / "site.css").read_text()
    assert "../vendor/vazirmatn/Vazirmatn-subset.woff2" in css
    assert (STATIC / "vendor" / "vazirmatn" / "Vazirmatn-subset.woff2").stat().st_size > 20_000
    bootstrap = (STATIC / "vendor" / "bootstrap" / "bootstrap.rtl.css").read_text()
    assert "sourceMappingURL" not in bootstrap
    assert not re.search(r"@import|url\(\s*[\"']?https?:", bootstrap)


@pytest.mark.parametrize(("status", "text"), [(404, "صفحه‌ای که خواستید پیدا نشد")])
def test_error_pages_are_persian(client, status, text):
    response = client.get("/definitely/missing/")
    assert response.status_code == status
    assert text in response.content.decode()


def explode(request):
    raise RuntimeError("boom")


urlpatterns = [*samt.urls.urlpatterns, path("boom/", explode)]


@pytest.mark.urls("samt.tests.test_pages")
def test_the_server_error_page_is_persian():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "خطایی در سامانه رخ داد" in response.content.decode()


def test_a_forged_form_gets_the_persian_csrf_page(staff_a):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "staff_a", "password": "x"})
    assert response.status_code == 403
    assert "فرم منقضی شده است" in response.content.decode()


def test_the_print_stylesheet_is_linked_for_print(client):
    html = client.get("/").content.decode()
    assert 'href="/static/samt/print.css" media="print"' in html


def test_no_model_change_is_missing_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_the_health_check_answers_without_a_session(client):
    response = client.get("/healthz/")
    assert (response.status_code, response.content) == (200, b"ok")


def test_favicon_ico_is_there_for_browsers_that_ask_without_a_link(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("/samt/favicon.ico")
