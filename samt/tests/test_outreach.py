"""The outreach kit of clause 1: a poster's QR counts its scans per place and Tehran day and lands on the public page;
the kits download only for the reader's own branch, office or province; the public list of branches."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.template.loader import render_to_string
from weasyprint import HTML

from conftest import make_branch, make_user
from samt import outreach
from samt.jalali import TEHRAN
from samt.models import BrokerOffice, OfficeStatus, OutreachScan, Role
from samt.pdf import STATIC_BASE

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=TEHRAN)  # 1405/09/04


@pytest.fixture(autouse=True)
def azar_morning():
    with time_machine.travel(MORNING, tick=False):
        yield


def counts() -> list[tuple[str, str, int]]:
    return [(str(row.branch or row.office), row.day.isoformat(), row.scans)
            for row in OutreachScan.objects.select_related("branch", "office").order_by("id")]


# Scanning ---------------------------------------------------------------------------------------------------------

def test_a_scan_counts_for_its_place_and_lands_on_the_public_page(client, branch_a, office):
    response = client.get("/q/b2104/")
    assert (response.status_code, response["Location"]) == (302, "/?src=b2104")
    client.get("/q/b2104/")
    client.get("/q/o1001/")
    assert counts() == [("شعبه الف (2104)", "2026-11-25", 2), ("کارگزاری امید (1001)", "2026-11-25", 1)]
    page = client.get(response["Location"]).content.decode()
    assert "شعبه الف" in page and "نشانی آزمایشی" in page and "شنبه تا چهارشنبه ۷:۳۰ تا ۱۴:۳۰" in page


def test_scans_are_counted_per_tehran_day(client, branch_a):
    client.get("/q/b2104/")
    # 23:50 in Tehran is still the same day; ten minutes past midnight in Tehran is the next one (UTC is still
    # on the 25th).
    with time_machine.travel(datetime(2026, 11, 25, 23, 50, tzinfo=TEHRAN), tick=False):
        client.get("/q/b2104/")
    with time_machine.travel(datetime(2026, 11, 26, 0, 10, tzinfo=TEHRAN), tick=False):
        client.get("/q/b2104/")
    assert counts() == [("شعبه الف (2104)", "2026-11-25", 2), ("شعبه الف (2104)", "2026-11-26", 1)]


@pytest.mark.parametrize("tag", ["b9999", "o1001", "x2104", "b21", "2104"])
def test_a_tag_of_no_place_counts_nothing_and_still_lands_on_the_public_page(client, branch_a, tag):
    response = client.get(f"/q/{tag}/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert counts() == []


def test_a_closed_office_counts_nothing(client, office):
    BrokerOffice.objects.filter(pk=office.pk).update(status=OfficeStatus.CLOSED)
    assert client.get("/q/o1001/")["Location"] == "/"
    assert counts() == []


def test_a_link_preview_counts_nothing(client, branch_a):
    assert client.head("/q/b2104/").status_code == 302
    assert client.post("/q/b2104/").status_code == 405
    assert counts() == []


def test_the_public_page_links_every_service_without_a_login(client):
    page = client.get("/").content.decode()
    for path in ("/p/", "/calculator/", "/verify/", "/find-branch/"):
        assert f'href="{path}"' in page, path


# Finding a branch --------------------------------------------------------------------------------------------------

def test_the_branch_list_groups_by_province_and_city(client, branch_a, branch_b, other_province):
    isfahan = make_branch(other_province, "1101", "شعبه ۳ اصفهان")
    isfahan.city, isfahan.address, isfahan.phone = "اصفهان", "اصفهان، خیابان چهارباغ، پلاک ۴۲", "031-32000000"
    isfahan.save()
    page = client.get("/find-branch/").content.decode()
    assert page.index("استان اصفهان") < page.index("شعبه ۳ اصفهان") < page.index("استان تهران")
    assert page.index("استان تهران") < page.index("شعبه الف") < page.index("شعبه ب")
    assert "اصفهان، خیابان چهارباغ، پلاک ۴۲" in page and "۰۳۱-۳۲۰۰۰۰۰۰" in page and 'href="tel:031-32000000"' in page


@pytest.mark.parametrize("query", ["اصفهان", "چهارباغ", "۳ اصفهان", "3 اصفهان", "1101"])
def test_the_search_finds_a_branch_however_it_is_typed(client, branch_a, other_province, query):
    isfahan = make_branch(other_province, "1101", "شعبه ۳ اصفهان")
    isfahan.city, isfahan.address = "اصفهان", "خیابان چهارباغ"
    isfahan.save()
    page = client.get("/find-branch/", {"q": query}).content.decode()
    assert "شعبه ۳ اصفهان" in page and "شعبه الف" not in page


def test_the_search_says_when_nothing_matches(client, branch_a):
    page = client.get("/find-branch/", {"q": "کیش"}).content.decode()
    assert "شعبه‌ای با «کیش» پیدا نشد" in page and "شعبه الف" not in page
    assert "شعبه‌ای با «۰۰» پیدا نشد" in client.get("/find-branch/", {"q": "00"}).content.decode()


# Who downloads which kit -------------------------------------------------------------------------------------------

def kit_tags(client) -> list[str]:
    page = client.get("/outreach/").content.decode()
    return sorted({tag for tag in ("b2104", "b2107", "b1101", "o1001", "o2002")
                   if f"/outreach/{tag}/poster.pdf" in page})


def test_each_reader_lists_the_kits_of_their_own_place(client_for, staff_a, head_a, broker_operator, hq_user, branch_b,
                                                       other_province):
    make_branch(other_province, "1101", "شعبه اصفهان")
    BrokerOffice.objects.create(code="2002", name="کارگزاری اصفهان", legal_entity_id="10320845678",
                                licence_number="L-2002", responsible_person="کسی", province=other_province)
    assert kit_tags(client_for(staff_a)) == ["b2104"]
    assert kit_tags(client_for(head_a)) == ["b2104"]
    assert kit_tags(client_for(broker_operator)) == ["o1001"]
    assert kit_tags(client_for(hq_user)) == ["b2104", "b2107", "o1001"]


def test_the_kit_page_shows_this_months_scans(client_for, client, staff_a):
    client.get("/q/b2104/")
    client.get("/q/b2104/")
    page = client_for(staff_a).get("/outreach/").content.decode()
    assert "خواندن در آذر ۱۴۰۵" in page and "<td>۲</td>" in page


def test_a_kit_downloads_as_a_pdf_for_its_place(client_for, staff_a, broker_operator):
    poster = client_for(staff_a).get("/outreach/b2104/poster.pdf")
    assert poster["Content-Type"] == "application/pdf" and poster.content.startswith(b"%PDF")
    assert 'filename="poster-b2104.pdf"' in poster["Content-Disposition"]
    brochure = client_for(broker_operator).get("/outreach/o1001/brochure.pdf")
    assert brochure.content.startswith(b"%PDF")


def test_a_stranger_gets_404_for_another_places_kit(client_for, staff_b, broker_operator, branch_a, office,
                                                    other_province):
    elsewhere = make_user("hq_isfahan", role=Role.HQ, province=other_province)
    for user, path in ((staff_b, "/outreach/b2104/poster.pdf"), (staff_b, "/outreach/o1001/brochure.pdf"),
                       (broker_operator, "/outreach/b2104/poster.pdf"), (elsewhere, "/outreach/b2104/brochure.pdf"),
                       (elsewhere, "/outreach/o1001/poster.pdf")):
        assert client_for(user).get(path).status_code == 404, (user, path)
    assert client_for(staff_b).get("/outreach/b2107/leaflet.pdf").status_code == 404


def test_the_insured_and_strangers_cannot_download_kits(client_for, client, insured_user, outsider, branch_a):
    assert client_for(insured_user).get("/outreach/").status_code == 403
    assert client_for(insured_user).get("/outreach/b2104/poster.pdf").status_code == 403
    assert client.get("/outreach/b2104/poster.pdf").status_code == 302  # to the login page


# What the kit says ------------------------------------------------------------------------------------------------

def test_the_kit_carries_the_places_tag_the_portal_address_and_the_places_details(branch_a, office, settings):
    settings.SAMT_SITE_URL = "https://samt.tamin.ir"
    office.branch = branch_a
    office.address = "تهران، خیابان انقلاب، پلاک 330"
    office.save()
    branch_kit = outreach.kit_for(branch_a)
    assert branch_kit.url == "https://samt.tamin.ir/q/b2104/"
    poster = render_to_string("samt/outreach/poster.html", {"kit": branch_kit})
    assert "samt.tamin.ir" in poster and "<svg" in poster
    assert "نشانی آزمایشی" in poster and "ساعات کار: شنبه تا چهارشنبه ۷:۳۰ تا ۱۴:۳۰" in poster
    assert "۰۲۱-۰۰۰۰۰۰۰۰" in poster and "021-" not in poster  # Persian digits
    office_kit = outreach.kit_for(office)
    assert office_kit.url == "https://samt.tamin.ir/q/o1001/"
    brochure = render_to_string("samt/outreach/brochure.html", {"kit": office_kit})
    assert "تهران، خیابان انقلاب، پلاک ۳۳۰" in brochure
    assert "نام کاربری و گذرواژه را از شعبه بگیرید" in brochure and "شعبه الف" in brochure
    for text in ("اینترنت", "باجه شعبه", "کارگزاری رسمی", "همین کارگزاری", "درخواست در شعبه",
                 "نامه نام کاربری و گذرواژه", "ورود به سامانه", "صدور برگ", "پرداخت"):
        assert text in brochure, text


@pytest.mark.parametrize(("kind", "pages", "size_mm"), [("poster", 1, (297, 420)), ("brochure", 2, (148, 210))])
def test_the_poster_is_one_a3_page_and_the_brochure_two_a5_pages(branch_a, kind, pages, size_mm):
    """Even with a long name and address, nothing spills onto another page."""
    branch_a.name = "شعبه ۱۲ اداره کل استان خراسان رضوی (مشهد، بلوار وکیل‌آباد)"
    branch_a.address = ("مشهد، بلوار وکیل‌آباد، بین وکیل‌آباد ۲۳ و ۲۵، جنب بانک ملی، ساختمان تأمین اجتماعی، طبقه "
                        "همکف، واحد امور فنی بیمه‌شدگان")
    html = render_to_string(f"samt/outreach/{kind}.html", {"kit": outreach.kit_for(branch_a)})
    document = HTML(string=html, base_url=f"{STATIC_BASE}/").render()
    px_per_mm = 96 / 25.4
    assert len(document.pages) == pages
    for page in document.pages:
        assert (round(page.width / px_per_mm), round(page.height / px_per_mm)) == size_mm


def test_the_portal_address_is_the_site_setting_without_its_scheme(settings):
    settings.SAMT_SITE_URL = "https://samt.tamin.ir"
    assert outreach.portal_address() == "samt.tamin.ir"
