"""The demo insured persons: each in the state the demo table claims, at any month it is loaded, and loading
twice changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from insured import demo, ledger
from insured.models import AccountStatement, Contract, CoveredMonth, Dependant, InsuredPerson, StatementStatus
from samt.identifiers import is_valid_national_code
from samt.jalali import JalaliMonth
from samt.management.commands.seed_demo import DEMO_PASSWORD
from samt.models import AuditEvent, User

pytestmark = pytest.mark.django_db

AZAR_1405 = JalaliMonth(1405, 9)
# Months to load the demo at: mid-year, Farvardin (last year's statement only just due), and a year earlier.
LOADED_AT = [AZAR_1405, JalaliMonth(1405, 1), JalaliMonth(1404, 6), JalaliMonth.current()]


@pytest.fixture
def branches(branch_a, branch_b):
    return branch_a, branch_b


def load(current: JalaliMonth = AZAR_1405) -> list[demo.DemoRow]:
    return demo.seed_insured_demo(StringIO(), password=DEMO_PASSWORD, current=current)


def contract_of(key: str) -> Contract:
    return Contract.objects.get(insured__national_code=demo.national_code(demo.persona(key).code_body))


def standing_of(key: str, current: JalaliMonth) -> ledger.Standing:
    return ledger.standing(contract_of(key), current)


def statement_of(key: str, year: int) -> AccountStatement | None:
    return AccountStatement.objects.filter(contract=contract_of(key), year=year).first()


def test_every_rate_code_is_there_and_every_person_logs_in_with_the_demo_password(branches, client):
    rows = load()
    assert set(Contract.objects.values_list("rate_code", flat=True)) == {"01", "02", "03", "VOL"}
    assert len(rows) == len(demo.PERSONAS) == InsuredPerson.objects.count()
    for row in rows:
        assert is_valid_national_code(row.username)
        assert InsuredPerson.objects.get(national_code=row.username).user.username == row.username
        response = client.post("/login/", {"username": row.username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, row.username
        assert client.get("/me/").status_code == 200
        client.post("/logout/")
    assert all(is_valid_national_code(code) for code in Dependant.objects.values_list("national_code", flat=True))


@pytest.mark.parametrize("current", LOADED_AT, ids=str)
def test_each_persona_is_in_the_state_it_claims(branches, current):
    rows = {row.username: row.shows for row in load(current)}
    last_year = current.year - 1

    for key in ["rate_01", "rate_02", "treatment", "voluntary", "new_this_year"]:
        assert standing_of(key, current).can_issue, (key, standing_of(key, current).blocked_by)
    for key in ["rate_01", "rate_02", "treatment", "voluntary", "lapsed"]:
        assert statement_of(key, last_year).status == StatementStatus.SETTLED, key

    debtor = standing_of("debtor", current)
    assert "بدهی پرداخت‌نشده دارد" in debtor.blocked_by
    assert statement_of("debtor", last_year).status == StatementStatus.ISSUED
    assert statement_of("debtor", last_year).balance > 0

    lapsed = standing_of("lapsed", current)
    assert "باطل شده" in lapsed.blocked_by
    assert current - lapsed.first_unpaid == 4

    fresh = contract_of("new_this_year")
    assert fresh.first_month.year == current.year
    assert not AccountStatement.objects.filter(contract=fresh).exists()

    shows = list(rows.values())
    assert sum("can issue online" in text for text in shows) == 5
    assert sum("lapsed: unpaid since" in text for text in shows) == 1
    assert sum(f"gate closed: {last_year} statement owes" in text for text in shows) == 1


def test_the_debtor_owes_the_spring_months_paid_at_the_old_minimum_wage(branches):
    # Ratio 3, rate 01, Farvardin–Khordad 1404 paid at the 1403 minimum (31 days each):
    # due 3 × 3,463,656 × 31 × 12 % = 38,654,000.88 → 38,654,001; paid 3 × 2,388,728 × 31 × 12 % = 26,657,804.48
    # → 26,657,804; three months of 11,996,197.
    load()
    statement = statement_of("debtor", 1404)
    assert statement.balance == 3 * 11_996_197
    assert [line.difference for line in statement.lines.all()[:4]] == [11_996_197] * 3 + [0]


def test_the_treated_person_pays_per_capita_for_three_and_1405_at_the_last_published_figure(branches):
    load()
    contract = contract_of("treatment")
    assert contract.treatment
    assert contract.insured.dependants.count() == 2
    paid = CoveredMonth.objects.filter(contract=contract)
    assert set(paid.values_list("persons", flat=True)) == {3}
    by_year = {month.year: per_capita for month, per_capita in paid.values_list("month", "per_capita")}
    # 1403 and 1404 at their published figures; 1405 has none yet, so the 1404 one was charged meanwhile.
    assert by_year == {1403: 1_615_000, 1404: 2_358_000, 1405: 2_358_000}


def test_paid_months_carry_the_ledgers_amounts_at_the_rates_in_force(branches):
    load()
    contract = contract_of("voluntary")
    paid = list(CoveredMonth.objects.filter(contract=contract).order_by("month"))
    lines = ledger.contract_lines(contract, [covered.month for covered in paid])
    assert [covered.amount_paid for covered in paid] == [line.amount for line in lines]
    assert {covered.slip_number for covered in paid} == {demo.LEGACY_SLIP}
    assert paid[0].month == JalaliMonth(1400, 4) and paid[-1].month == JalaliMonth(1405, 8)


def test_loading_twice_changes_nothing(branches):
    first = load()
    counts = [model.objects.count() for model in
              (InsuredPerson, Contract, CoveredMonth, Dependant, AccountStatement, User, AuditEvent)]
    second = load()
    assert [model.objects.count() for model in
            (InsuredPerson, Contract, CoveredMonth, Dependant, AccountStatement, User, AuditEvent)] == counts
    assert first == second


def test_seed_demo_prints_the_insured_table_and_stays_the_same_the_second_time(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    again = StringIO()
    call_command("seed_demo", stdout=again)
    printed = out.getvalue()
    assert printed == again.getvalue()
    assert "insured persons: username (national code), name, what they show" in printed
    for persona in demo.PERSONAS:
        assert demo.national_code(persona.code_body) in printed
        assert f"{persona.first_name} {persona.last_name}" in printed
    assert InsuredPerson.objects.count() == len(demo.PERSONAS)
