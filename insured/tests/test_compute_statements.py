"""compute_statements: the set-based batch writes exactly what statement_compute writes, on either database."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from insured import services
from insured.management.commands import compute_statements
from insured.models import (
    AccountStatement,
    Contract,
    ContractStatus,
    CoveredMonth,
    StatementLine,
    StatementStatus,
    WageTable,
)
from insured.tests.conftest import code_of, pay, register
from samt.jalali import JalaliMonth
from samt.models import AuditEvent

pytestmark = pytest.mark.django_db

M = JalaliMonth


def snapshot(year: int) -> dict[int, tuple]:
    """Every statement of `year` by contract: status, totals and lines (without ids or times)."""
    return {
        statement.contract_id: (
            (statement.status, statement.due_total, statement.paid_total, statement.balance),
            [(line.month, line.days, line.daily_wage_base, line.rate_bp, line.premium_due, line.per_capita_due,
              line.amount_paid, line.slip_number, line.difference) for line in statement.lines.order_by("month")],
        )
        for statement in AccountStatement.objects.filter(year=year).prefetch_related("lines")
    }


def by_service(actor, contracts: list[Contract], year: int) -> dict[int, tuple]:
    """What statement_compute writes for each contract; the statements are then removed again."""
    for contract in contracts:
        services.statement_compute(actor=actor, contract=contract, year=year)
    expected = snapshot(year)
    AccountStatement.objects.filter(year=year).delete()
    return expected


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("compute_statements", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def add_dependants(actor, contract: Contract, seeds: range) -> None:
    for seed in seeds:
        services.dependant_add(actor=actor, insured=contract.insured, first_name="فرزند", last_name="کاظمی",
                               national_code=code_of(seed), relation="child")


@pytest.fixture
def contracts_of_1404(staff_actor, branch_a, branch_b) -> tuple[list[Contract], list[Contract]]:
    """(contracts the batch must compute, contracts it must leave alone), across every rate code."""
    a = staff_actor
    full_year = register(a, branch_a, seed=1, rate_code="01", ratio=100, first_month=M(1403, 1))
    pay(full_year, M(1403, 1), M(1404, 12), slip_number="4000011")
    part_year = register(a, branch_a, seed=2, rate_code="02", ratio=135, first_month=M(1404, 3))
    pay(part_year, M(1404, 3), M(1404, 8))
    ceiling = register(a, branch_b, seed=3, rate_code="03", ratio=700, first_month=M(1402, 5))
    pay(ceiling, M(1404, 1), M(1404, 4))
    voluntary = register(a, branch_b, seed=4, rate_code="VOL", ratio=333, first_month=M(1404, 1))
    pay(voluntary, M(1404, 1), M(1404, 12))
    family = register(a, branch_a, seed=5, rate_code="01", ratio=250, first_month=M(1404, 1), treatment=True)
    add_dependants(a, family, range(100, 102))
    pay(family, M(1404, 1), M(1404, 6), per_capita=1_900_000)  # three persons, at last year's lower fee
    alone = register(a, branch_a, seed=6, rate_code="02", ratio=100, first_month=M(1404, 1), treatment=True)
    pay(alone, M(1404, 1), M(1404, 2))
    overpaid = register(a, branch_b, seed=7, rate_code="03", ratio=477, first_month=M(1404, 1))
    pay(overpaid, M(1404, 1), M(1404, 3))
    CoveredMonth.objects.filter(contract=overpaid, month=M(1404, 2)).update(amount_paid=99_999_999)
    nothing_paid = register(a, branch_a, seed=8, first_month=M(1403, 6))
    pay(nothing_paid, M(1403, 6), M(1403, 12))
    lapsed_with_months = register(a, branch_b, seed=9, first_month=M(1404, 1))
    pay(lapsed_with_months, M(1404, 1), M(1404, 2))
    lapsed_by_hand = register(a, branch_a, seed=10, first_month=M(1402, 1))
    services.statement_compute(actor=a, contract=lapsed_by_hand, year=1404)  # a clerk's own, still computed
    AccountStatement.objects.filter(year=1404).delete()
    lapsed_long_ago = register(a, branch_a, seed=11, first_month=M(1402, 1))
    next_year = register(a, branch_a, seed=12, first_month=M(1405, 1))
    Contract.objects.filter(pk__in=[lapsed_with_months.pk, lapsed_by_hand.pk, lapsed_long_ago.pk]).update(
        status=ContractStatus.LAPSED)
    computed = [full_year, part_year, ceiling, voluntary, family, alone, overpaid, nothing_paid, lapsed_with_months]
    return computed, [lapsed_long_ago, next_year, lapsed_by_hand]


def test_the_batch_writes_exactly_what_statement_compute_writes(staff_actor, contracts_of_1404):
    computed, _ = contracts_of_1404
    expected = by_service(staff_actor, computed, 1404)
    run("1404", "--quiet")
    assert snapshot(1404) == expected
    assert len(expected) == 9
    family = expected[computed[4].pk]
    assert family[0][3] == 6 * 3 * (2_358_000 - 1_900_000)  # the debt of the lower per-capita
    assert expected[computed[6].pk][0][3] < 0  # the overpaid one keeps a credit
    assert expected[computed[7].pk] == ((StatementStatus.COMPUTED, 0, 0, 0), [])


def test_any_chunk_size_gives_the_same_result(staff_actor, contracts_of_1404):
    expected = by_service(staff_actor, contracts_of_1404[0], 1404)
    run("1404", "--quiet", "--chunk", "2")
    assert snapshot(1404) == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: --workers is 1 there")
@pytest.mark.django_db(transaction=True)
def test_two_workers_write_what_one_does_and_recompute_only_what_changed(staff_actor, contracts_of_1404):
    expected = by_service(staff_actor, contracts_of_1404[0], 1404)
    out, _ = run("1404", "--quiet", "--chunk", "2", "--workers", "2")
    assert snapshot(1404) == expected
    assert "9 statements computed (9 new)" in out
    family = contracts_of_1404[0][4]
    CoveredMonth.objects.filter(contract=family, month=M(1404, 6)).delete()
    out, _ = run("1404", "--quiet", "--chunk", "2", "--workers", "2")
    assert "9 statements computed (0 new), 0 lines written" in out
    assert AuditEvent.objects.filter(action="statements.batch_computed").latest("pk").after["lines_deleted"] == 1
    assert snapshot(1404)[family.pk][1][-1][0] == M(1404, 5)


def test_1399_changes_the_minimum_wage_at_tir(staff_actor, branch_a):
    contracts = []
    for seed, (code, ratio) in enumerate([("01", 100), ("02", 190), ("03", 700), ("VOL", 420)], start=20):
        contract = register(staff_actor, branch_a, seed=seed, rate_code=code, ratio=ratio, first_month=M(1398, 10))
        pay(contract, M(1398, 10), M(1400, 2))
        contracts.append(contract)
    expected = by_service(staff_actor, contracts, 1399)
    run("1399", "--quiet")
    assert snapshot(1399) == expected
    lines = expected[contracts[0].pk][1]
    assert [line[2] for line in lines[2:4]] == [611_809, 636_809]  # Khordad, Tir
    assert lines[-1][1] == 30  # 1399 is a leap year


def test_the_hand_computed_statement_of_a_clerk_is_recomputed_too(staff_actor, contracts_of_1404):
    lapsed_by_hand = contracts_of_1404[1][2]
    services.statement_compute(actor=staff_actor, contract=lapsed_by_hand, year=1404)
    run("1404", "--quiet")
    assert set(snapshot(1404)) == {c.pk for c in contracts_of_1404[0]} | {lapsed_by_hand.pk}


def test_issued_and_settled_statements_are_never_touched(staff_actor, contracts_of_1404):
    family, alone = contracts_of_1404[0][4], contracts_of_1404[0][5]
    issued = services.statement_issue(
        actor=staff_actor, statement=services.statement_compute(actor=staff_actor, contract=family, year=1404))
    settled = services.statement_issue(
        actor=staff_actor, statement=services.statement_compute(actor=staff_actor, contract=alone, year=1404))
    before = snapshot(1404)
    pay(family, M(1404, 7), M(1404, 7))
    CoveredMonth.objects.filter(contract=alone).update(amount_paid=1)
    out, _ = run("1404", "--quiet")
    after = snapshot(1404)
    assert (after[family.pk], after[alone.pk]) == (before[family.pk], before[alone.pk])
    assert (issued.status, settled.status) == (StatementStatus.ISSUED, StatementStatus.SETTLED)
    assert "7 statements computed (7 new)" in out and "2 issued or settled left as they were" in out


def test_running_again_changes_nothing(contracts_of_1404):
    run("1404", "--quiet")
    first = snapshot(1404)
    out, _ = run("1404", "--quiet", "--chunk", "4")
    assert snapshot(1404) == first
    assert "9 statements computed (0 new)" in out


def test_a_recomputation_writes_only_what_changed(staff_actor, contracts_of_1404):
    run("1404", "--quiet")
    family, alone = contracts_of_1404[0][4], contracts_of_1404[0][5]
    stamps = dict(AccountStatement.objects.filter(year=1404).values_list("contract_id", "computed_at"))
    lines_before = dict(StatementLine.objects.values_list("pk", "amount_paid"))
    CoveredMonth.objects.filter(contract=alone, month=M(1404, 2)).update(amount_paid=1)
    CoveredMonth.objects.filter(contract=family, month=M(1404, 2)).delete()

    out, _ = run("1404", "--quiet")

    assert "1 lines written" in out  # alone's Ordibehesht again, and nothing else
    event = AuditEvent.objects.filter(action="statements.batch_computed").latest("pk")
    assert (event.after["lines_written"], event.after["lines_deleted"]) == (1, 1)
    lines_after = dict(StatementLine.objects.values_list("pk", "amount_paid"))
    changed = {pk for pk in lines_after if lines_before.get(pk) != lines_after[pk]}
    # One line changed and one gone, every other as it was (and, by the counts above, nothing else written).
    assert len(changed) == 1 and len(lines_before) - len(lines_after) == 1
    restamped = {contract for contract, at in AccountStatement.objects.filter(year=1404)
                 .values_list("contract_id", "computed_at") if at != stamps[contract]}
    assert restamped == {family.pk, alone.pk}
    after = snapshot(1404)
    assert after == by_service(staff_actor, contracts_of_1404[0], 1404)


def test_a_run_that_stopped_half_way_resumes(staff_actor, contracts_of_1404, monkeypatch):
    expected = by_service(staff_actor, contracts_of_1404[0], 1404)
    real = compute_statements.StatementBatch.run_chunk
    calls = []

    def fail_on_the_second_chunk(self, low, high, now):
        calls.append(low)
        if len(calls) == 2:
            raise RuntimeError("the server went away")
        return real(self, low, high, now)

    monkeypatch.setattr(compute_statements.StatementBatch, "run_chunk", fail_on_the_second_chunk)
    with pytest.raises(RuntimeError, match="went away"):
        run("1404", "--quiet", "--chunk", "4")
    assert AccountStatement.objects.filter(year=1404).count() == 4  # the first chunk committed
    failed = AuditEvent.objects.get(action="statements.batch_computed")
    assert (failed.after["completed"], failed.after["statements_computed"]) == (False, 4)
    monkeypatch.setattr(compute_statements.StatementBatch, "run_chunk", real)
    run("1404", "--quiet", "--chunk", "4")
    assert snapshot(1404) == expected


def test_a_branch_run_computes_only_that_branchs_contracts(contracts_of_1404, branch_b):
    run("1404", "--quiet", "--branch", "۲۱۰۷")
    in_branch_b = {c.pk for c in contracts_of_1404[0] if c.insured.branch_id == branch_b.pk}
    assert set(snapshot(1404)) == in_branch_b
    assert len(in_branch_b) == 4


def test_an_unknown_branch_is_refused(db):
    with pytest.raises(CommandError, match="no branch with code 9999"):
        run("1404", "--branch", "9999")


def test_one_audit_event_per_run_carries_the_counts(contracts_of_1404):
    run("1404", "--quiet", "--chunk", "5")
    [event] = AuditEvent.objects.filter(action="statements.batch_computed")
    assert event.actor is None and event.actor_label == "system:compute_statements"
    counts = {k: v for k, v in event.after.items() if k != "seconds"}
    assert counts == {"year": 1404, "branch": None, "chunk": 5, "contracts": 9, "statements_created": 9,
                      "statements_computed": 9, "lines_written": 12 + 6 + 4 + 12 + 6 + 2 + 3 + 2, "lines_deleted": 0,
                      "statements_left_issued_or_settled": 0, "completed": True}


def test_a_progress_bar_is_drawn_on_stderr_unless_quiet(contracts_of_1404):
    _, err = run("1404", "--chunk", "5")
    assert err.startswith("\r[------------------------------] 0/9 contracts")
    assert "\r[################--------------] 5/9 contracts" in err
    assert err.endswith("\r[##############################] 9/9 contracts\n")
    assert run("1404", "--quiet")[1] == ""


def test_a_year_without_its_wage_row_is_refused_in_persian(db):
    WageTable.objects.filter(effective_from__gte=M(1404, 1), effective_from__lte=M(1404, 12)).delete()
    with pytest.raises(CommandError, match="حداقل دستمزد سال ۱۴۰۴ هنوز در سامانه ثبت نشده است"):
        run("1404", "--quiet")
    assert not AuditEvent.objects.exists()


def test_treatment_months_of_a_year_without_per_capita_are_refused(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=M(1402, 1), treatment=True)
    CoveredMonth.objects.create(contract=contract, month=M(1402, 1), premium=6_582_272, per_capita=900_000,
                                persons=1, amount_paid=7_482_272, paid_on=M(1402, 1).first_day)
    with pytest.raises(CommandError, match="سرانه درمان سال ۱۴۰۲ هنوز ثبت نشده است"):
        run("1402", "--quiet")
    assert not AccountStatement.objects.exists()


def test_a_year_without_per_capita_is_fine_when_nobody_chose_treatment(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=M(1402, 1))
    pay(contract, M(1402, 1), M(1402, 12))
    expected = by_service(staff_actor, [contract], 1402)
    run("1402", "--quiet")
    assert snapshot(1402) == expected


def test_a_chunk_size_below_one_is_refused(db):
    with pytest.raises(CommandError, match="--chunk must be at least 1"):
        run("1404", "--chunk", "0")
