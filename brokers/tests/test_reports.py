"""The monthly office report and its CSV: slips, premiums, fees and presence checks by method, per office and
Jalali month; HQ sees its province's offices, an operator their own office."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from brokers import services
from brokers.models import PresenceMethod
from brokers.tests.conftest import FEE_1405, make_office, present_walk_in
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from samt.actors import Actor
from samt.jalali import JalaliMonth as M
from samt.jalali import month_bounds

pytestmark = pytest.mark.django_db


def serve(operator, contract, end, method=PresenceMethod.SMS_CODE):
    walk_in = present_walk_in(operator, contract.insured, method=method)
    return services.walk_in_slip_issue(actor=Actor.for_user(operator), walk_in=walk_in, end_month=end)


@pytest.fixture
def azar_activity(tariff, staff_a, branch_a, broker_operator, operator_b, contract):
    """Office 1001: two slips in Azar (one after a card check) and one in Aban; office 1002: one in Azar."""
    second = make_contract(staff_a, branch_a, serial=3330001)
    pay_months(second, M(1405, 1), M(1405, 6))
    third = make_contract(staff_a, branch_a, serial=3330002)
    pay_months(third, M(1405, 1), M(1405, 6))
    with time_machine.travel(AZAR_1405 - timedelta(days=20), tick=False):  # 14 Aban
        serve(broker_operator, third, M(1405, 7))
    serve(broker_operator, contract, M(1405, 9))
    serve(broker_operator, second, M(1405, 7), method=PresenceMethod.NATIONAL_CARD)
    serve(operator_b, third, M(1405, 8))


def rows_by_code(response):
    return {row.office.code: row for row in response.context["rows"]}


def test_hq_sees_each_office_of_its_province_for_the_month(client_for, hq_user, azar_activity):
    rows = rows_by_code(client_for(hq_user).get("/broker/reports/", {"month": "۱۴۰۵/۰۹"}))
    mine, other = rows["1001"], rows["1002"]
    assert (mine.slips, mine.premiums) == (2, 59_851_980 + 19_950_660)
    assert (mine.fee_count, mine.fees) == (2, 2 * FEE_1405)
    assert (mine.by_code, mine.by_card) == (1, 1)
    assert (other.slips, other.fees, other.by_code) == (1, FEE_1405, 1)


def test_another_month_counts_its_own(client_for, hq_user, azar_activity):
    rows = rows_by_code(client_for(hq_user).get("/broker/reports/", {"month": "1405/08"}))
    assert (rows["1001"].slips, rows["1001"].fees, rows["1002"].slips) == (1, FEE_1405, 0)


def test_the_month_defaults_to_the_current_one(client_for, hq_user, azar_activity):
    response = client_for(hq_user).get("/broker/reports/")
    assert response.context["month"] == M(1405, 9)


def test_an_operator_sees_only_their_own_office(client_for, broker_operator, azar_activity):
    response = client_for(broker_operator).get("/broker/reports/")
    assert list(rows_by_code(response)) == ["1001"]


def test_hq_of_another_province_sees_only_its_own_offices(client_for, other_hq, other_province, azar_activity):
    make_office(other_province, "2001", "کارگزاری سپاهان", "10861234567")
    response = client_for(other_hq).get("/broker/reports/")
    assert list(rows_by_code(response)) == ["2001"]
    assert response.context["totals"].slips == 0


def test_the_csv_opens_in_excel_with_persian_headers(client_for, hq_user, azar_activity):
    response = client_for(hq_user).get("/broker/reports/csv/", {"month": "1405/09"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "broker-report-140509.csv" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "کد کارگزاری"
    assert rows[1] == ["1001", "کارگزاری امید", "1405/09", "2", "0", str(59_851_980 + 19_950_660), "2",
                       str(2 * FEE_1405), "1", "1"]
    assert rows[2][0] == "1002"


def test_the_month_runs_midnight_to_midnight_in_tehran():
    start, end = month_bounds(M(1405, 9))
    assert timezone.localtime(start).strftime("%Y-%m-%d %H:%M") == "2026-11-22 00:00"
    assert end - start == timedelta(days=30)
