"""The report pages: chart, table and CSV, each scoped to what the reader may see; and the demand signal is
recorded when a quote page turns someone away."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from conftest import make_branch, make_user
from insured.demand import gate_refusal_record
from insured.models import Channel, Contract, Gate, GateRefusal
from insured.services import statement_compute, statement_issue
from insured.tests.conftest import register
from insured.tests.factories import AZAR_1405, pay_months
from samt.jalali import TEHRAN
from samt.jalali import JalaliMonth as M
from samt.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def azar_1405():
    with time_machine.travel(AZAR_1405, tick=False):
        yield


@pytest.mark.parametrize("slug", ["slips", "credentials", "gate", "demand", "fees", "scans"])
def test_each_report_has_a_chart_a_table_and_a_csv(client_for, hq_user, branch_a, slug):
    client = client_for(hq_user)
    page = client.get(f"/hq/reports/{slug}/").content.decode()
    assert "<svg" in page and 'data-testid="report-table"' in page
    csv = client.get(f"/hq/reports/{slug}/", {"format": "csv", "month": "1405/09"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.startswith("\ufeff".encode())
    assert f"{slug}-140509.csv" in csv["Content-Disposition"]


def test_an_unknown_report_is_404(client_for, hq_user):
    assert client_for(hq_user).get("/hq/reports/nothing/").status_code == 404


def test_a_branch_reads_its_own_branch_only(client_for, staff_a, branch_a, branch_b, other_province):
    make_branch(other_province, "1101", "شعبه اصفهان")
    client = client_for(staff_a)
    page = client.get("/hq/reports/demand/").content.decode()
    assert branch_a.name in page and branch_b.name not in page and "شعبه اصفهان" not in page
    # Naming another branch in the filter shows nothing of it.
    other = client.get("/hq/reports/demand/", {"branch": branch_b.code}).content.decode()
    assert f"<td>{branch_b.name}</td>" not in other


def test_an_insured_or_broker_cannot_read_reports(client_for, insured_user, broker_operator, clerk_a):
    for user in (insured_user, broker_operator, clerk_a):
        assert client_for(user).get("/hq/reports/slips/").status_code == 403


def test_the_csv_has_ascii_figures_under_persian_headers(client_for, hq_user, staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=M(1404, 1))
    pay_months(contract, M(1404, 1), M(1405, 7))
    text = client_for(hq_user).get("/hq/reports/gate/", {"format": "csv"}).content.decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header.startswith("شعبه,همه,گردش حساب محاسبه‌نشده")
    assert row == f"{branch_a.name},1,1,0,0,0,0,1"


def test_an_online_refusal_is_recorded_once_a_day_with_its_gate(client_for, staff_actor, branch_a, insured_user):
    contract = register(staff_actor, branch_a, first_month=M(1404, 1))
    pay_months(contract, M(1404, 1), M(1405, 7))
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    client = client_for(insured_user)
    client.get("/me/quote/")
    client.get("/me/quote/")
    refusal = GateRefusal.objects.get()
    assert (refusal.gate, refusal.channel, refusal.branch) == (Gate.STATEMENT, "online", branch_a)


def test_a_lapsed_person_is_recorded_at_the_lapse_gate(client_for, staff_actor, branch_a, insured_user):
    contract = register(staff_actor, branch_a)
    pay_months(contract, M(1405, 1), M(1405, 3))
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    client_for(insured_user).get("/me/quote/")
    assert GateRefusal.objects.get().gate == Gate.LAPSED


def test_the_demand_page_names_who_will_come(client_for, staff_actor, branch_a, insured_user, head_a):
    contract = register(staff_actor, branch_a, first_month=M(1404, 1))
    pay_months(contract, M(1404, 1), M(1405, 7))
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    client_for(insured_user).get("/me/quote/")
    page = client_for(head_a).get("/hq/reports/demand/").content.decode()
    assert contract.insured.full_name in page
    assert "گردش حساب سال گذشته" in page


def test_a_national_reader_filters_by_province(client_for, branch_a, other_province):
    make_branch(other_province, "1101", "شعبه اصفهان")
    national = make_user("national", role=Role.HQ)
    page = client_for(national).get("/hq/reports/slips/", {"province": other_province.pk}).content.decode()
    assert "شعبه اصفهان" in page and f"<td>{branch_a.name}</td>" not in page


def csv_rows(client, slug: str, month: str) -> list[str]:
    response = client.get(f"/hq/reports/{slug}/", {"format": "csv", "month": month})
    return response.content.decode("utf-8-sig").splitlines()


def test_the_demand_report_counts_the_month_chosen(client_for, hq_user, staff_actor, branch_a):
    aban = register(staff_actor, branch_a, first_month=M(1404, 1), seed=1)
    azar = register(staff_actor, branch_a, first_month=M(1404, 1), seed=2)
    for contract in (aban, azar):
        pay_months(contract, M(1404, 1), M(1405, 7))
    gate_refusal_record(contract=aban, channel=Channel.ONLINE, now=datetime(2026, 11, 10, 9, 0, tzinfo=TEHRAN))
    gate_refusal_record(contract=azar, channel=Channel.BROKER, now=datetime(2026, 11, 24, 9, 0, tzinfo=TEHRAN))
    client = client_for(hq_user)
    # branch, in month, last 7 days, online, broker, then one column per gate (inactive, lapsed, statement, rates)
    assert csv_rows(client, "demand", "1405/08")[1] == f"{branch_a.name},1,0,1,0,0,0,1,0"
    assert csv_rows(client, "demand", "۱۴۰۵/۰۹")[1] == f"{branch_a.name},1,1,0,1,0,0,1,0"
    page = client.get("/hq/reports/demand/", {"month": "1405/08"}).content.decode()
    assert aban.insured.full_name in page and azar.insured.full_name not in page
    assert "افراد در ۷ روز آخر" in page and "7 روز" not in page


def test_the_gate_report_shows_the_end_of_the_month_chosen(client_for, hq_user, staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=M(1404, 1), treatment=False)
    pay_months(contract, M(1404, 1), M(1405, 7))
    Contract.objects.filter(pk=contract.pk).update(created_at=datetime(2026, 9, 1, tzinfo=TEHRAN))  # in Shahrivar
    computed_in_aban = datetime(2026, 11, 1, 9, 0, tzinfo=TEHRAN)  # 1405/08/10
    with time_machine.travel(computed_in_aban, tick=False):
        statement = statement_compute(actor=staff_actor, contract=contract, year=1404)
    statement_issue(actor=staff_actor, statement=statement)  # in Azar: nothing owed, settled at once
    client = client_for(hq_user)
    # branch, blocked, missing, computed, issued with a debt, then by age (0-30, 31-90, over 90 days)
    assert csv_rows(client, "gate", "1405/07")[1] == f"{branch_a.name},1,1,0,0,0,0,1"
    assert csv_rows(client, "gate", "1405/08")[1] == f"{branch_a.name},1,0,1,0,0,0,1"
    assert csv_rows(client, "gate", "1405/09")[1] == f"{branch_a.name},0,0,0,0,0,0,0"
    page = client.get("/hq/reports/gate/", {"month": "1405/08"}).content.decode()
    assert "پایان آبان ۱۴۰۵" in page


def test_the_month_filter_shows_persian_digits_whatever_was_typed(client_for, hq_user, branch_a):
    client = client_for(hq_user)
    assert 'value="۱۴۰۵/۰۹"' in client.get("/hq/reports/slips/").content.decode()
    typed = client.get("/hq/reports/slips/", {"month": "1405/8"}).content.decode()
    assert 'value="۱۴۰۵/۰۸"' in typed and "1405" not in typed.split('name="month"')[1].split(">")[0]
    assert "آبان ۱۴۰۵" in typed
