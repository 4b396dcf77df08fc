"""slip_issue and slip_mark_paid: the period rules, one live slip, exactly-once crediting."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from insured.models import Channel, CoveredMonth, Slip, SlipLine, SlipStatus
from insured.slips import slip_issue, slip_mark_paid, slip_quote
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(staff_a, branch_a):
    contract = make_contract(staff_a, branch_a)
    pay_months(contract, M(1405, 1), M(1405, 6))
    return contract


def issue(actor_user, contract, end, channel=Channel.ONLINE, **kwargs) -> Slip:
    return slip_issue(actor=Actor.for_user(actor_user), contract=contract, end_month=end, channel=channel,
                      now=AZAR_1405, **kwargs)


def test_a_slip_runs_from_the_first_unpaid_month_and_adds_up(contract, insured_user):
    slip = issue(insured_user, contract, M(1405, 9))
    lines = list(slip.lines.all())
    assert [line.month for line in lines] == [M(1405, 7), M(1405, 8), M(1405, 9)]
    # 5,541,850 × 30 days × 12 % for Mehr, Aban and Azar
    assert [line.amount for line in lines] == [19_950_660] * 3
    assert slip.total == 59_851_980
    assert str(slip.payable_until) == "2026-12-21"  # 30 Azar 1405
    assert slip.channel == Channel.ONLINE
    assert AuditEvent.objects.filter(action="slip.issued", subject_id=str(slip.pk)).exists()


def test_a_new_slip_voids_the_unpaid_one_it_overlaps(contract, insured_user):
    first = issue(insured_user, contract, M(1405, 8))
    second = issue(insured_user, contract, M(1405, 10))
    first.refresh_from_db()
    assert first.status == SlipStatus.VOIDED
    assert first.superseded_by == second
    assert not SlipLine.objects.filter(slip=first, live=True).exists()


def test_a_double_submit_makes_one_slip(contract, insured_user):
    first = issue(insured_user, contract, M(1405, 9), request_key="form-1")
    again = issue(insured_user, contract, M(1405, 9), request_key="form-1")
    assert first == again
    assert Slip.objects.count() == 1


def test_the_same_person_is_served_through_every_channel(contract, insured_user, staff_a, broker_operator):
    online = issue(insured_user, contract, M(1405, 7))
    counter = issue(staff_a, contract, M(1405, 8), channel=Channel.BRANCH)
    broker = issue(broker_operator, contract, M(1405, 9), channel=Channel.BROKER)
    assert [s.channel for s in (online, counter, broker)] == ["online", "branch", "broker"]
    assert broker.office.code == "1001"
    assert counter.branch.code == "2104"


@pytest.mark.parametrize(
    ("end", "message"),
    [
        (M(1406, 1), "آخرین ماه ممکن اسفند ۱۴۰۵ است"),
        (M(1405, 6), "نمی‌تواند پیش از نخستین ماه پرداخت‌نشده (مهر ۱۴۰۵) باشد"),
    ],
)
def test_it_refuses_an_end_month_outside_the_period(contract, insured_user, end, message):
    with pytest.raises(DomainError, match=re.escape(message)):
        issue(insured_user, contract, end)


def test_it_refuses_more_than_twelve_months(staff_a, branch_a):
    # First unpaid Esfand 1404, today Farvardin 1405: Esfand 1405 would be the thirteenth month.
    contract = make_contract(staff_a, branch_a, serial=7654321, first_month=M(1404, 12))
    farvardin = datetime(2026, 4, 4, 10, 0, tzinfo=AZAR_1405.tzinfo)
    with pytest.raises(DomainError, match="حداکثر ۱۲ ماه"):
        slip_issue(actor=Actor.for_user(staff_a), contract=contract, end_month=M(1405, 12), channel=Channel.BRANCH,
                   now=farvardin)


def test_a_lapsed_contract_issues_nothing_in_any_channel(staff_a, branch_a, insured_user):
    contract = make_contract(staff_a, branch_a, serial=5550001)
    pay_months(contract, M(1405, 1), M(1405, 4))  # first unpaid Mordad: 4 months behind in Azar
    for channel in Channel.values:
        with pytest.raises(DomainError, match="قرارداد شما باطل شده"):
            issue(staff_a, contract, M(1405, 9), channel=channel)


def test_the_statement_gate_binds_online_and_broker_but_not_the_branch_counter(staff_a, branch_a, insured_user,
                                                                                broker_operator):
    contract = make_contract(staff_a, branch_a, serial=5550002, first_month=M(1404, 1))
    pay_months(contract, M(1404, 1), M(1405, 7))
    with pytest.raises(DomainError, match="گردش حساب سال ۱۴۰۴"):
        issue(insured_user, contract, M(1405, 9))
    with pytest.raises(DomainError, match="گردش حساب سال ۱۴۰۴"):
        issue(broker_operator, contract, M(1405, 9), channel=Channel.BROKER)
    assert issue(staff_a, contract, M(1405, 9), channel=Channel.BRANCH).total > 0


def test_a_quote_commits_nothing(contract):
    quote = slip_quote(contract, M(1405, 12), channel=Channel.ONLINE, now=AZAR_1405)
    assert len(quote.lines) == 6
    assert quote.total == sum(line.amount for line in quote.lines)
    assert not Slip.objects.exists()


class TestMarkPaid:
    def pay(self, slip, reference="REF-1", amount=None, at=None):
        return slip_mark_paid(actor=Actor.system("test"), slip=slip, reference=reference,
                              amount=slip.total if amount is None else amount, paid_at=at or AZAR_1405)

    def test_it_credits_each_month_once(self, contract, insured_user):
        slip = self.pay(issue(insured_user, contract, M(1405, 9)))
        assert slip.status == SlipStatus.PAID
        covered = CoveredMonth.objects.filter(slip=slip).order_by("month")
        assert [c.month for c in covered] == [M(1405, 7), M(1405, 8), M(1405, 9)]
        assert sum(c.amount_paid for c in covered) == slip.total

    def test_a_repeat_of_the_same_reference_changes_nothing(self, contract, insured_user):
        slip = issue(insured_user, contract, M(1405, 9))
        self.pay(slip)
        self.pay(slip)
        assert CoveredMonth.objects.filter(slip=slip).count() == 3

    def test_a_second_reference_for_a_paid_slip_is_refused(self, contract, insured_user):
        slip = issue(insured_user, contract, M(1405, 9))
        self.pay(slip)
        with pytest.raises(DomainError, match="پیش‌تر پرداخت شده"):
            self.pay(slip, reference="REF-2")

    def test_a_wrong_amount_credits_nothing(self, contract, insured_user):
        slip = issue(insured_user, contract, M(1405, 9))
        with pytest.raises(DomainError, match="مبلغ پرداخت‌شده با مبلغ برگ برابر نیست"):
            self.pay(slip, amount=slip.total - 1)
        assert not CoveredMonth.objects.filter(slip=slip).exists()

    def test_a_voided_slip_is_refused(self, contract, insured_user):
        old = issue(insured_user, contract, M(1405, 8))
        issue(insured_user, contract, M(1405, 9))
        with pytest.raises(DomainError, match="باطل شده"):
            self.pay(old)

    def test_a_slip_past_its_deadline_is_refused(self, contract, insured_user):
        slip = issue(insured_user, contract, M(1405, 9))
        with pytest.raises(DomainError, match="مهلت پرداخت این برگ گذشته است"):
            self.pay(slip, at=AZAR_1405 + timedelta(days=30))
        assert not slip.is_payable(AZAR_1405 + timedelta(days=30))

    def test_a_bank_reference_is_used_once(self, contract, insured_user, staff_a, branch_a):
        other = make_contract(staff_a, branch_a, serial=5550003, first_month=M(1405, 7))
        first = issue(insured_user, contract, M(1405, 9))
        second = issue(insured_user, other, M(1405, 9))
        self.pay(first, reference="SAME")
        with pytest.raises(DomainError, match="پیش‌تر برای برگ دیگری"):
            self.pay(second, reference="SAME")

    def test_paying_moves_the_first_unpaid_month(self, contract, insured_user):
        self.pay(issue(insured_user, contract, M(1405, 9)))
        nxt = issue(insured_user, contract, M(1405, 10))
        assert nxt.first_month == M(1405, 10)


def test_a_registration_racing_past_the_duplicate_check_gets_the_persian_message(staff_a, branch_a, monkeypatch):
    from django.db.models.query import QuerySet

    from insured.models import InsuredPerson

    existing = make_contract(staff_a, branch_a, serial=8880001).insured
    # As if another clerk's identical save landed between our duplicate check and our insert.
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)
    with pytest.raises(DomainError, match="پیش‌تر ثبت شده است"):
        make_contract(staff_a, branch_a, serial=8880001)
    monkeypatch.undo()
    assert InsuredPerson.objects.filter(national_code=existing.national_code).count() == 1



def test_every_slip_gets_its_own_unguessable_public_code(staff_a, branch_a):
    from insured.selectors import slip_get_by_public_code

    contracts = [make_contract(staff_a, branch_a, serial=serial) for serial in (11, 12)]
    for each in contracts:
        pay_months(each, M(1405, 1), M(1405, 6))
    first, second = (issue(staff_a, each, M(1405, 9), channel=Channel.BRANCH) for each in contracts)
    assert len(first.public_code) >= 22 and first.public_code != second.public_code
    assert first.number not in first.public_code
    assert slip_get_by_public_code(code=first.public_code) == first
    assert slip_get_by_public_code(code=first.number) is None
