"""Properties of slips under any sequence of issuing and paying, and races on PostgreSQL."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insured.models import Channel, CoveredMonth, Slip, SlipLine, SlipStatus
from insured.slips import slip_issue, slip_mark_paid
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth as M
from samt.tests.concurrency import at_once

operations = st.lists(
    st.one_of(
        st.tuples(st.just("issue"), st.integers(min_value=7, max_value=12), st.sampled_from(Channel.values)),
        st.tuples(st.just("pay"), st.integers(min_value=0, max_value=5), st.just("")),
    ),
    min_size=1,
    max_size=12,
)


SERIALS = itertools.count(4_440_000)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_totals_add_up_and_no_month_is_on_two_live_slips(staff_a, branch_a, steps):
    # Examples share the test's transaction, so each one starts from a contract of its own.
    contract = make_contract(staff_a, branch_a, serial=next(SERIALS))
    pay_months(contract, M(1405, 1), M(1405, 6))
    actor = Actor.for_user(staff_a)
    for index, (kind, value, channel) in enumerate(steps):
        try:
            if kind == "issue":
                slip_issue(actor=actor, contract=contract, end_month=M(1405, value), channel=channel,
                           now=AZAR_1405)
            else:
                slips = list(Slip.objects.filter(contract=contract).order_by("pk"))
                if slips:
                    slip = slips[value % len(slips)]
                    slip_mark_paid(actor=actor, slip=slip, reference=f"R{contract.pk}-{index}", amount=slip.total,
                                   paid_at=AZAR_1405)
        except DomainError:
            pass
        _assert_invariants(contract)


def _assert_invariants(contract) -> None:
    for slip in Slip.objects.filter(contract=contract).prefetch_related("lines"):
        assert slip.total == sum(line.amount for line in slip.lines.all())
    live = SlipLine.objects.filter(contract=contract, live=True, slip__status__in=[SlipStatus.ISSUED,
                                                                                   SlipStatus.PAID])
    counts = Counter(line.month for line in live)
    assert all(n == 1 for n in counts.values()), counts
    assert Slip.objects.filter(contract=contract, status=SlipStatus.ISSUED).count() <= 1
    covered = Counter(CoveredMonth.objects.filter(contract=contract).values_list("month", flat=True))
    assert all(n == 1 for n in covered.values())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payments_of_one_slip_credit_it_once(staff_a, branch_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL; SQLite serialises every writer")
    contract = make_contract(staff_a, branch_a, serial=3330001)
    pay_months(contract, M(1405, 1), M(1405, 6))
    slip = slip_issue(actor=Actor.for_user(staff_a), contract=contract, end_month=M(1405, 9),
                      channel=Channel.BRANCH, now=AZAR_1405)

    def pay(reference):
        return lambda: slip_mark_paid(actor=Actor.system("race"), slip=slip, reference=reference,
                                      amount=slip.total, paid_at=AZAR_1405)

    results = at_once(pay("BANK-A"), pay("BANK-B"))
    assert sum(isinstance(r, Slip) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert CoveredMonth.objects.filter(contract=contract, slip=slip).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_issuing_at_once_leave_one_live_slip(staff_a, branch_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL; SQLite serialises every writer")
    contract = make_contract(staff_a, branch_a, serial=3330002)
    pay_months(contract, M(1405, 1), M(1405, 6))

    def issue(end):
        return lambda: slip_issue(actor=Actor.for_user(staff_a), contract=contract, end_month=M(1405, end),
                                  channel=Channel.ONLINE, now=AZAR_1405)

    results = at_once(issue(8), issue(9))
    assert all(isinstance(r, Slip) for r in results)
    assert Slip.objects.filter(contract=contract, status=SlipStatus.ISSUED).count() == 1
    assert SlipLine.objects.filter(contract=contract, live=True).count() in (2, 3)
