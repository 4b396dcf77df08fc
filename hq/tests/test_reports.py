"""Every figure of every report equals a plain SQL count over the demo data and a generated province."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from branches import services as branch_services
from branches.tests.credential_support import in_person, issued, make_insured, registered
from brokers.models import FeeTariff
from brokers.services import walk_in_slip_issue
from brokers.tests.conftest import make_office, present_walk_in
from conftest import make_branch, make_user
from hq.reports import REPORTS, Scope, age_bucket
from insured.demand import gate_refusal_record
from insured.models import Channel, Contract, Slip
from insured.services import statement_compute, statement_issue
from insured.slips import slip_issue, slip_mark_paid
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from samt.actors import Actor
from samt.jalali import TEHRAN, month_bounds
from samt.jalali import JalaliMonth as M
from samt.models import Branch, BrokerOffice, Province, Role
from samt.outreach import scan_record

pytestmark = pytest.mark.django_db

AZAR = M(1405, 9)


def generate_province(seed: int) -> Province:
    """A province lived through a few weeks: three branches, an office, people on every channel, statements in
    every state, credential requests in every state, and refusals at the gates."""
    rng = random.Random(seed)
    province = Province.objects.create(code="11", name="اصفهان")
    branches = [make_branch(province, code, f"شعبه {code}") for code in ("1101", "1102", "1103")]
    staff = {b.pk: make_user(f"staff_{b.code}", role=Role.TECHNICAL_STAFF, branch=b) for b in branches}
    heads = {b.pk: make_user(f"head_{b.code}", role=Role.BRANCH_HEAD, branch=b) for b in branches}
    office = make_office(province, "1101", "کارگزاری سپاهان", "10320845678")
    operator = make_user("operator_1101", role=Role.BROKER_OPERATOR, office=office)
    FeeTariff.objects.get_or_create(year=1405, defaults={
        "amount": 450_000, "approval_reference": "آزمایشی", "effective_from": M(1405, 1).first_day,
        "effective_to": M(1405, 12).last_day})
    system = Actor.system("generator")
    for serial in range(30):
        branch = rng.choice(branches)
        contract = make_contract(staff[branch.pk], branch, serial=5_000_000 + serial * 7919,
                                 rate_code=rng.choice(["01", "02", "03"]), first_month=M(1405, 1))
        pay_months(contract, M(1405, 1), M(1405, rng.randint(6, 8)))
        channel = rng.choice([Channel.ONLINE, Channel.BRANCH, Channel.BROKER])
        first_unpaid = contract.covered_months.order_by("-month").first().month.next()
        end = min(first_unpaid + rng.randint(0, 2), M(1405, 12))
        when = timezone.now() - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 12))
        if channel == Channel.BROKER:
            walk_in = present_walk_in(operator, contract.insured)
            slip = walk_in_slip_issue(actor=Actor.for_user(operator), walk_in=walk_in, end_month=end).slip
        else:
            slip = slip_issue(actor=Actor.for_user(staff[branch.pk]), contract=contract, end_month=end,
                              channel=channel, now=when)
        if rng.random() < 0.6:
            slip_mark_paid(actor=system, slip=slip, reference=f"REF{seed}{serial}", amount=slip.total,
                           paid_at=slip.issued_at + timedelta(minutes=rng.randint(1, 60)))
    for serial in range(12):
        branch = rng.choice(branches)
        contract = make_contract(staff[branch.pk], branch, serial=6_000_000 + serial * 7907, first_month=M(1404, 1),
                                 treatment=False)
        pay_months(contract, M(1404, 1), M(1405, 7))
        # Registered, computed and issued on days spread over the last two months, so a past month's snapshot
        # differs from today's.
        days_ago = sorted(rng.sample(range(60), 3), reverse=True)
        Contract.objects.filter(pk=contract.pk).update(created_at=timezone.now() - timedelta(days=days_ago[0]))
        state = serial % 4
        if state >= 1:
            with time_machine.travel(timezone.now() - timedelta(days=days_ago[1]), tick=False):
                statement = statement_compute(actor=system, contract=contract, year=1404)
            if state >= 2:
                with time_machine.travel(timezone.now() - timedelta(days=days_ago[2]), tick=False):
                    statement_issue(actor=system, statement=statement)
        for days_ago in rng.sample(range(10), rng.randint(1, 3)):
            gate_refusal_record(contract=contract, channel=rng.choice([Channel.ONLINE, Channel.BROKER]),
                                office=office, now=timezone.now() - timedelta(days=days_ago))
    for _ in range(40):  # people scanning the posters' QR codes over the last seven weeks
        place = rng.choice([*branches, office])
        scan_record(place=place, now=timezone.now() - timedelta(days=rng.randint(0, 50), hours=rng.randint(0, 23)))
    for serial in range(9):
        branch = branches[serial % 3]
        person = make_insured(staff[branch.pk], branch, serial=7_123_456 + serial * 7901,
                              mobile=f"0912{serial:07d}")
        if serial % 3 == 0:
            registered(staff[branch.pk], person)
        else:
            request = issued(staff[branch.pk], heads[branch.pk], person).request
            if serial % 3 == 2:
                branch_services.request_deliver(actor=Actor.for_user(staff[branch.pk]), request=request,
                                                recipient="insured", identity=in_person(person),
                                                copy2_handed_over=True)
    return province


@pytest.fixture
def lived(settings):
    with time_machine.travel(AZAR_1405, tick=False):
        settings.DEBUG = True
        call_command("seed_demo", stdout=StringIO())
        settings.DEBUG = False
        generate_province(seed=14)
        yield


def sql(query: str, *params: object) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def scope(month: M = AZAR) -> Scope:
    return Scope(branches=Branch.objects.all(), offices=BrokerOffice.objects.all(), month=month)


def run(slug: str):
    return REPORTS[slug][1](scope())


def test_slips_by_channel_equal_sql(lived):
    report = run("slips")
    start, end = month_bounds(AZAR)
    seen = 0
    for row in report.rows:
        where = ("FROM insured_slip s JOIN insured_contract c ON c.id = s.contract_id "
                 "JOIN insured_insuredperson p ON p.id = c.insured_id JOIN samt_branch b ON b.id = p.branch_id "
                 "WHERE b.code = %s AND s.channel = %s ")
        [(issued_n, issued_sum)] = sql(f"SELECT COUNT(*), COALESCE(SUM(s.total), 0) {where}"
                                       "AND s.issued_at >= %s AND s.issued_at < %s",
                                       row["branch_code"], row["channel_code"], start, end)
        [(paid_n, paid_sum)] = sql(f"SELECT COUNT(*), COALESCE(SUM(s.total), 0) {where}"
                                   "AND s.status = 'paid' AND s.paid_at >= %s AND s.paid_at < %s",
                                   row["branch_code"], row["channel_code"], start, end)
        assert (row["issued"], row["issued_amount"], row["paid"], row["paid_amount"]) == (
            issued_n, issued_sum, paid_n, paid_sum), row
        seen += issued_n
    assert seen == Slip.objects.filter(issued_at__gte=start, issued_at__lt=end).count() > 0


def test_credential_requests_equal_sql(lived):
    report = run("credentials")
    start, end = month_bounds(AZAR)
    assert sum(row["registered_total"] for row in report.rows) > 0
    for row in report.rows:
        counts = dict(sql("SELECT r.status, COUNT(*) FROM branches_credentialrequest r JOIN samt_branch b "
                          "ON b.id = r.branch_id WHERE b.code = %s AND r.registered_at >= %s AND r.registered_at < %s "
                          "GROUP BY r.status", row["branch_code"], start, end))
        for state in ("registered", "approved", "issued", "delivered", "rejected", "cancelled"):
            assert row[state] == counts.get(state, 0), (row, state)
        pairs = sql("SELECT r.registered_at, r.delivered_at FROM branches_credentialrequest r JOIN samt_branch b "
                    "ON b.id = r.branch_id WHERE b.code = %s AND r.delivered_at >= %s AND r.delivered_at < %s",
                    row["branch_code"], start, end)
        assert row["delivered_in_month"] == len(pairs)
        days = [(_aware(done) - _aware(begun)).total_seconds() / 86400 for begun, done in pairs]
        assert row["median_days"] == (round(statistics.median(days), 1) if days else None)


def _aware(value: datetime) -> datetime:
    # SQLite hands raw SQL datetimes back naive (in UTC); PostgreSQL aware.
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


@pytest.mark.parametrize("month", [M(1405, 9), M(1405, 8)])
def test_people_behind_the_statement_gate_equal_sql(lived, month):
    """At the end of the month (Aban), or now in the running month (Azar): a statement's state then is read from
    its own times."""
    report = REPORTS["gate"][1](scope(month))
    at = min(month.next().starts_at, timezone.now() + timedelta(microseconds=1))
    today = timezone.localtime(at - timedelta(microseconds=1), TEHRAN).date()
    assert sum(row["blocked"] for row in report.rows) > 0
    for row in report.rows:
        rows = sql(
            "SELECT c.id, s.id, s.issued_at, s.settled_at FROM insured_contract c "
            "JOIN insured_insuredperson p ON p.id = c.insured_id JOIN samt_branch b ON b.id = p.branch_id "
            "LEFT JOIN insured_accountstatement s ON s.contract_id = c.id AND s.year = %s AND s.computed_at < %s "
            "WHERE b.code = %s AND c.status = 'active' AND c.first_month < %s AND c.created_at < %s",
            1404, at, row["branch_code"], 140501, at)
        found = []
        for contract_id, statement_id, issued_at, settled_at in rows:
            if statement_id is None:
                found.append((contract_id, None, None))
            elif settled_at is not None and _aware(settled_at) < at:
                continue
            elif issued_at is not None and _aware(issued_at) < at:
                found.append((contract_id, "issued", issued_at))
            else:
                found.append((contract_id, "computed", None))
        assert row["blocked"] == len(found)
        assert row["missing"] == sum(1 for _, status, _ in found if status is None)
        assert row["computed"] == sum(1 for _, status, _ in found if status == "computed")
        assert row["issued"] == sum(1 for _, status, _ in found if status == "issued")
        ages = []
        for _, status, issued_at in found:
            since = (timezone.localtime(_aware(issued_at), TEHRAN).date() if status == "issued"
                     else M(1405, 1).first_day)
            ages.append(age_bucket((today - since).days))
        for key in ("age_0_30", "age_31_90", "age_over_90"):
            assert row[key] == ages.count(key), (row, key)


@pytest.mark.parametrize("month", [M(1405, 9), M(1405, 8)])
def test_the_demand_signal_equals_sql(lived, month):
    report = REPORTS["demand"][1](scope(month))
    today = min(timezone.localdate(), month.last_day)
    week = today - timedelta(days=6)
    assert sum(row["people"] for row in report.rows) > 0
    for row in report.rows:
        where = ("FROM insured_gaterefusal g JOIN samt_branch b ON b.id = g.branch_id "
                 "WHERE b.code = %s AND g.day >= %s AND g.day <= %s")
        in_month = (row["branch_code"], month.first_day, today)
        [(people,)] = sql(f"SELECT COUNT(DISTINCT g.contract_id) {where}", *in_month)
        [(last_week,)] = sql(f"SELECT COUNT(DISTINCT g.contract_id) {where}", row["branch_code"], week, today)
        [(online,)] = sql(f"SELECT COUNT(DISTINCT g.contract_id) {where} AND g.channel = 'online'", *in_month)
        by_gate = dict(sql(f"SELECT g.gate, COUNT(DISTINCT g.contract_id) {where} GROUP BY g.gate", *in_month))
        assert (row["people"], row["last_week"], row["online"]) == (people, last_week, online)
        for gate in ("inactive", "lapsed", "statement", "rates"):
            assert row[gate] == by_gate.get(gate, 0)


@pytest.mark.parametrize("month", [M(1405, 9), M(1405, 8)])
def test_scans_of_the_outreach_kit_equal_sql(lived, month):
    report = REPORTS["scans"][1](scope(month))
    assert sum(row["scans"] for row in report.rows) > 0
    for row in report.rows:
        table, column = ("samt_branch", "branch_id") if row["kind"] == "شعبه" else ("samt_brokeroffice", "office_id")
        [(scans,)] = sql(f"SELECT COALESCE(SUM(s.scans), 0) FROM samt_outreachscan s JOIN {table} p "
                         f"ON p.id = s.{column} WHERE p.code = %s AND s.day >= %s AND s.day <= %s",
                         row["tag"][1:], month.first_day, month.last_day)
        assert row["scans"] == scans, row
    [(places,)] = sql("SELECT (SELECT COUNT(*) FROM samt_branch) + (SELECT COUNT(*) FROM samt_brokeroffice)")
    assert len(report.rows) == places


def test_broker_fees_against_the_tariff_equal_sql(lived):
    report = run("fees")
    start, end = month_bounds(AZAR)
    assert sum(row["fee_count"] for row in report.rows) > 0
    for row in report.rows:
        [(n, fees, tariff)] = sql(
            "SELECT COUNT(*), COALESCE(SUM(f.amount), 0), COALESCE(SUM(t.amount), 0) FROM brokers_feerecord f "
            "JOIN brokers_feetariff t ON t.id = f.tariff_id JOIN samt_brokeroffice o ON o.id = f.office_id "
            "WHERE o.code = %s AND f.recorded_at >= %s AND f.recorded_at < %s", row["office_code"], start, end)
        [(slips,)] = sql("SELECT COUNT(*) FROM insured_slip s JOIN samt_brokeroffice o ON o.id = s.office_id "
                         "WHERE o.code = %s AND s.channel = 'broker' AND s.issued_at >= %s AND s.issued_at < %s",
                         row["office_code"], start, end)
        assert (row["fee_count"], row["fees"], row["tariff_total"], row["slips"]) == (n, fees, tariff, slips)
        assert row["difference"] == fees - tariff
