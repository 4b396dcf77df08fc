"""HQ's page of the gateways' daily figures (issue 17, item 4): per PSP and day, attempts, successes, failures by
reason and amounts, with CSV; linked from HQ's home; scoped to the reader's province."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from payments import messages as text
from payments.conftest import one_month_slip
from payments.models import PaymentAttempt, State
from payments.selectors import attempts_visible_to
from payments.simulator import fixtures
from payments.tests.scenario_support import come_back, start
from payments.tests.simulator_client import INSUFFICIENT, change_settings, gateways_setting, pay, submit_card
from samt.models import Role

pytestmark = pytest.mark.django_db
URL = reverse("payments:gateway_report")


@pytest.fixture
def a_day_of_payments(settings, transport, slip, other_slip, insured_user, outsider, payer, staff_a, branch_a):
    """SEP's token service goes down: one payment fails over to Mellat and is paid there; another payer at Mellat
    is refused by their issuer; one SEP payment from before the outage is left open."""
    settings.SAMT_PAYMENT_GATEWAYS = gateways_setting("sep", "mellat")
    open_at_sep = start(other_slip, outsider)
    change_settings(Client(), fixtures.TERMINAL_ID, token_unavailable=True)
    paid = start(slip, insured_user)
    come_back(payer, paid, pay(payer, paid.token))
    third = make_user("third")
    refused = start(one_month_slip(staff_a, branch_a, third, serial=7654322), third)
    browser = Client()
    browser.post("/psp/pgwchannel/startpay.mellat", {"RefId": refused.token}, HTTP_REFERER="http://testserver/")
    submit_card(browser, refused.token, INSUFFICIENT)
    come_back(browser, refused, {"RefId": refused.token, "ResCode": "12", "SaleOrderId": refused.order_id})
    return open_at_sep, PaymentAttempt.objects.get(pk=paid.pk), PaymentAttempt.objects.get(pk=refused.pk)


def rows(page: str) -> list[str]:
    body = page.split('data-testid="gateway-days"', 1)[1].split("</tbody>", 1)[0]
    return [chunk.split("</tr>", 1)[0] for chunk in body.split('<tr data-psp="')[1:]]


def test_hq_reads_each_psps_day(a_day_of_payments, hq_user, client_for):
    open_at_sep, paid, refused = a_day_of_payments
    assert (paid.psp, paid.state, refused.state) == ("mellat", State.SUCCEEDED, State.FAILED)
    page = client_for(hq_user).get(URL).content.decode()
    mellat, sep = rows(page)
    assert mellat.startswith("mellat") and sep.startswith("sep")
    assert "به‌پرداخت ملت" in mellat and "۲۰۰۱۲۳۴۵" in mellat
    # Mellat: two attempts (both taken over from SEP), one paid for the slip's amount, one refused by the bank.
    assert '<td class="num">۲</td>' in mellat and "۱ <span" in mellat and "(۵۰٪)" in mellat
    assert "۵۹٬۸۵۱٬۹۸۰" in mellat
    assert text.BANK_DECLINED in mellat
    assert 'text-bg-warning">۲<' in mellat
    # SEP: the open payment and the two token requests that got no answer.
    assert "پرداخت الکترونیک سامان" in sep and text.BANK_UNAVAILABLE in sep
    assert '<li><span class="num">۲</span>' in sep
    assert open_at_sep.state == State.REDIRECTED
    assert 'href="/pay/hq/gateways/csv/?first=' in page


def test_the_csv_has_a_line_per_psp_day_and_reason(a_day_of_payments, hq_user, client_for):
    response = client_for(hq_user).get(reverse("payments:gateway_report_csv"))
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = lines[0], lines[1:]
    assert header[2:6] == ["درگاه", "کد درگاه", "پایانه", "تلاش‌ها"]
    by_reason = {(line[3], line[12]): line for line in body}
    declined = by_reason[("mellat", text.BANK_DECLINED)]
    assert declined[5:13] == ["2", "1", "1", "0", "2", "59851980", declined[11], text.BANK_DECLINED]
    assert by_reason[("sep", text.BANK_UNAVAILABLE)][13] == "2"


def test_the_period_is_chosen_in_jalali_and_checked(a_day_of_payments, hq_user, client_for):
    browser = client_for(hq_user)
    assert len(rows(browser.get(URL, {"first": "۱۴۰۵/۰۹/۰۴", "last": "۱۴۰۵/۰۹/۰۴"}).content.decode())) == 2
    assert rows(browser.get(URL, {"first": "1405/09/05", "last": "1405/09/06"}).content.decode()) == []
    refused = browser.get(URL, {"first": "1405/09/06", "last": "1405/09/01"}).content.decode()
    assert "روز پایان نباید پیش از روز آغاز باشد" in refused


def test_another_provinces_hq_sees_none_of_it(a_day_of_payments, other_province, client_for):
    elsewhere = make_user("hq_elsewhere", role=Role.HQ, province=other_province)
    assert rows(client_for(elsewhere).get(URL).content.decode()) == []


def test_the_selector_itself_shows_nothing_to_staff_outside_hq_or_without_a_place(
        a_day_of_payments, staff_a, outsider, other_province):
    """The page's role check is not the only guard: the selector scopes by itself (a national HQ member, with no
    province, is the only one who sees every attempt)."""
    assert not attempts_visible_to(outsider).exists()
    assert not attempts_visible_to(staff_a).exists()
    national = make_user("hq_national", role=Role.HQ)
    assert attempts_visible_to(national).count() == PaymentAttempt.objects.count()


def test_only_hq_may_read_it(a_day_of_payments, insured_user, staff_a, client_for):
    for user in (insured_user, staff_a):
        assert client_for(user).get(URL).status_code in (302, 403)
        assert client_for(user).get(reverse("payments:gateway_report_csv")).status_code in (302, 403)


def test_hqs_home_links_to_it(hq_user, client_for):
    assert f'href="{URL}"' in client_for(hq_user).get(reverse("hq:home")).content.decode()
