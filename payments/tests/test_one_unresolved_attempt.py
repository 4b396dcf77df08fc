"""Issue 10, item 2: no second debit while one is unresolved.

While a payment of a slip or debt slip is unfinished (at the PSP's card page, being checked or verified, its verify
answer lost, its money being given back) or held for an expert (manual review), starting another is refused by
`payment_start` with a Persian message, whichever path presses the button, and the database holds one unresolved
attempt per slip and per debt slip. Every page that offers the pay button says instead that a payment is being
confirmed with the bank, since when, and not to pay again; the button comes back only when that attempt ends
without money kept.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.messages import get_messages
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from insured import services
from insured.models import DebtSlip, DebtSlipStatus, Slip, SlipStatus
from insured.slips import PAYMENT_UNSETTLED, slip_issue
from insured.tests.factories import make_contract, pay_months
from payments import messages as text
from payments.models import HOLDING_STATES, PaymentAttempt, State
from payments.services import payment_reconcile
from payments.tests.scenario_support import come_back, later, reload, start
from payments.tests.simulator_client import callback_fields, change_settings, open_card_page, pay
from samt.actors import Actor
from samt.errors import DomainError
from samt.formatting import jdatetime_text
from samt.jalali import JalaliMonth as M

pytestmark = pytest.mark.django_db
CONFIRMING = text.payer_notice(State.VERIFY_UNKNOWN)


def verify_answer_lost(payable, user) -> PaymentAttempt:
    """The payer paid; the PSP verified, but its answer never reached us: the attempt waits in VERIFY_UNKNOWN."""
    change_settings(Client(), verify_fault="commit_then_502", verify_fault_remaining=1)
    attempt = start(payable, user)
    come_back(Client(), attempt, pay(Client(), attempt.token))
    attempt = reload(attempt)
    assert attempt.state == State.VERIFY_UNKNOWN
    return attempt


def form_to(url: str) -> str:
    """A form that posts to `url`: the pay button (its URL is also the start of the receipt link's)."""
    return f'action="{url}"'


def says_do_not_pay_again(page: str, attempt: PaymentAttempt, notice: text.PayerNotice = CONFIRMING) -> None:
    assert 'data-testid="payment-holding"' in page
    assert notice.title in page and notice.text in page and "دوباره پرداخت نکنید" in page
    assert jdatetime_text(attempt.created_at) in page  # when it started: "۱۴۰۵/۰۹/۰۴ ساعت ۱۰:۱۲"


# The service ------------------------------------------------------------------------------------------------------


def test_a_second_payment_is_refused_while_the_first_is_at_the_bank(slip, insured_user, portal_gateway):
    first = start(slip, insured_user)
    assert first.state == State.REDIRECTED
    with pytest.raises(DomainError) as refused:
        start(slip, insured_user)
    assert refused.value.message == text.PAY_AGAIN_REFUSED
    assert "دوباره پرداخت نکنید" in refused.value.message
    assert list(PaymentAttempt.objects.filter(slip=slip)) == [first]
    assert portal_gateway.paths().count("onlinepg") == 1  # the PSP was asked for one token only


@pytest.mark.parametrize("state", HOLDING_STATES)
def test_every_unresolved_state_and_a_manual_review_refuse_a_second_payment(slip, insured_user, portal_gateway,
                                                                           state):
    first = start(slip, insured_user)
    PaymentAttempt.objects.filter(pk=first.pk).update(state=state)
    with pytest.raises(DomainError, match="دوباره پرداخت نکنید"):
        start(slip, insured_user)
    assert PaymentAttempt.objects.filter(slip=slip).count() == 1


@pytest.mark.parametrize("state", [State.FAILED, State.EXPIRED, State.REJECTED, State.REVERSED])
def test_an_attempt_that_ended_without_money_kept_lets_the_slip_be_paid_again(slip, insured_user, portal_gateway,
                                                                             state):
    first = start(slip, insured_user)
    PaymentAttempt.objects.filter(pk=first.pk).update(state=state)
    assert start(slip, insured_user).state == State.REDIRECTED


def test_every_path_to_the_bank_is_refused(slip, insured_user, staff_a, client_for, portal_gateway):
    """The insured's button, the branch kiosk and the pay-without-login page all go through payment_start."""
    first = verify_answer_lost(slip, insured_user)
    insured = client_for(insured_user)
    response = insured.post(reverse("payments:pay_slip", args=[slip.number]))
    assert response["Location"] == reverse("insured:slip", args=[slip.number])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [text.PAY_AGAIN_REFUSED]
    kiosk = client_for(staff_a).post(reverse("payments:pay_branch_slip", args=["2104", slip.number]))
    assert [str(m) for m in get_messages(kiosk.wsgi_request)] == [text.PAY_AGAIN_REFUSED]
    public = Client().post(reverse("pay_public:pay", args=[slip.public_code]))
    assert public["Location"] == reverse("pay_public:slip", args=[slip.public_code])
    assert [str(m) for m in get_messages(public.wsgi_request)] == [text.PAY_AGAIN_REFUSED]
    assert list(PaymentAttempt.objects.filter(slip=slip)) == [first]


def test_a_debt_slip_takes_one_payment_at_a_time(debt_slip, staff_a, portal_gateway):
    first = start(debt_slip, staff_a)
    with pytest.raises(DomainError, match="دوباره پرداخت نکنید"):
        start(debt_slip, staff_a)
    assert list(PaymentAttempt.objects.filter(debt_slip=debt_slip)) == [first]


def test_a_payment_left_before_the_bank_gave_a_token_is_failed_and_stops_holding_the_slip(slip, insured_user,
                                                                                        portal_gateway):
    """A server stopped between writing the attempt and handing the browser a token: nobody can have paid it."""
    stuck = PaymentAttempt.objects.create(order_id="100000000000000001", psp="sep", terminal_id="10012345",
                                          slip=slip, amount_rial=slip.total)
    with pytest.raises(DomainError):
        start(slip, insured_user)
    assert payment_reconcile(now=later(1)) == {State.CREATED: 1}  # too young to judge
    assert payment_reconcile(now=later(3)) == {State.FAILED: 1}
    assert reload(stuck).failure_reason == text.BANK_UNAVAILABLE
    assert start(slip, insured_user).state == State.REDIRECTED


# The database -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.CREATED, State.REDIRECTED, State.CHECKING, State.VERIFYING,
                                   State.VERIFY_UNKNOWN, State.REVERSE_PENDING])
def test_the_database_holds_one_unresolved_attempt_per_slip(slip, state):
    def attempt(order_id: str, state: str) -> PaymentAttempt:
        return PaymentAttempt.objects.create(order_id=order_id, psp="sep", terminal_id="10012345", slip=slip,
                                             amount_rial=slip.total, state=state)

    attempt("100000000000000001", state)
    attempt("100000000000000002", State.FAILED)  # ended ones are history: as many as it takes
    with pytest.raises(IntegrityError), transaction.atomic():
        attempt("100000000000000003", State.REDIRECTED)


def test_the_database_holds_one_unresolved_attempt_per_debt_slip(debt_slip):
    def attempt(order_id: str) -> PaymentAttempt:
        return PaymentAttempt.objects.create(order_id=order_id, psp="sep", terminal_id="10012345",
                                             debt_slip=debt_slip, amount_rial=debt_slip.amount,
                                             state=State.REDIRECTED)

    attempt("100000000000000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        attempt("100000000000000002")


# The pages --------------------------------------------------------------------------------------------------------


def test_the_insureds_slip_page_says_do_not_pay_again_and_has_no_pay_button(slip, insured_user, client_for,
                                                                           portal_gateway):
    insured, url = client_for(insured_user), reverse("insured:slip", args=[slip.number])
    assert form_to(reverse("payments:pay_slip", args=[slip.number])) in insured.get(url).content.decode()
    attempt = verify_answer_lost(slip, insured_user)
    page = insured.get(url).content.decode()
    says_do_not_pay_again(page, attempt)
    assert form_to(reverse("payments:pay_slip", args=[slip.number])) not in page
    assert f'data-testid="slip-status">{CONFIRMING.title}<' in page


def test_the_insureds_home_says_do_not_pay_again_and_offers_no_payment(slip, insured_user, client_for,
                                                                       portal_gateway):
    attempt = verify_answer_lost(slip, insured_user)
    page = client_for(insured_user).get(reverse("insured:home")).content.decode()
    says_do_not_pay_again(page, attempt)
    assert "دیدن و پرداخت" not in page and "منتظر پرداخت است" not in page
    assert reverse("insured:slip", args=[slip.number]) in page


def test_the_brokers_slip_page_says_do_not_pay_again_and_has_no_pay_button(azar_1405, staff_a, branch_a,
                                                                           broker_operator, client_for,
                                                                           portal_gateway):
    contract = make_contract(staff_a, branch_a, serial=5550001)
    pay_months(contract, M(1405, 1), M(1405, 6))
    office_slip = slip_issue(actor=Actor.for_user(broker_operator), contract=contract, end_month=M(1405, 9),
                             channel="broker")
    operator, url = client_for(broker_operator), reverse("brokers:slip", args=[office_slip.number])
    assert form_to(reverse("payments:pay_office_slip", args=[office_slip.number])) in operator.get(url).content.decode()
    attempt = verify_answer_lost(office_slip, broker_operator)
    page = operator.get(url).content.decode()
    says_do_not_pay_again(page, attempt)
    assert form_to(reverse("payments:pay_office_slip", args=[office_slip.number])) not in page
    assert 'data-testid="no-counter-payment"' not in page


def test_the_branchs_slip_page_says_do_not_pay_again_and_has_no_kiosk_button(slip, insured_user, staff_a,
                                                                             client_for, portal_gateway):
    staff, url = client_for(staff_a), reverse("branches:counter_slip", args=["2104", slip.number])
    assert 'data-testid="kiosk-pay"' in staff.get(url).content.decode()
    attempt = verify_answer_lost(slip, insured_user)
    page = staff.get(url).content.decode()
    says_do_not_pay_again(page, attempt)
    assert 'data-testid="kiosk-pay"' not in page


def test_the_debt_slip_pages_say_do_not_pay_again(debt_slip, staff_a, insured_user, client_for, portal_gateway):
    person = debt_slip.statement.contract.insured
    person.user = insured_user
    person.save(update_fields=["user"])
    attempt = verify_answer_lost(debt_slip, insured_user)
    branch = client_for(staff_a).get(reverse("branches:debt_slip", args=["2104", debt_slip.number])).content.decode()
    says_do_not_pay_again(branch, attempt)
    assert 'data-testid="kiosk-pay"' not in branch
    insured = client_for(insured_user)
    for url in (reverse("insured:home"), reverse("insured:statement", args=[person.contracts.get().number, 1404])):
        page = insured.get(url).content.decode()
        says_do_not_pay_again(page, attempt)
        assert form_to(reverse("payments:pay_debt_slip", args=[debt_slip.number])) not in page


def test_the_pay_without_login_page_says_do_not_pay_again(slip, insured_user, portal_gateway):
    attempt = verify_answer_lost(slip, insured_user)
    page = Client().get(reverse("pay_public:slip", args=[slip.public_code])).content.decode()
    says_do_not_pay_again(page, attempt)
    assert 'data-testid="pay-public"' not in page


def test_a_payment_still_on_the_card_page_holds_the_slip_too(slip, insured_user, client_for, portal_gateway):
    attempt = start(slip, insured_user)
    page = client_for(insured_user).get(reverse("insured:slip", args=[slip.number])).content.decode()
    says_do_not_pay_again(page, attempt, text.payer_notice(State.REDIRECTED))
    assert form_to(reverse("payments:pay_slip", args=[slip.number])) not in page


def test_the_pay_button_comes_back_when_the_payment_ends_without_money_kept(slip, insured_user, client_for,
                                                                            portal_gateway):
    attempt = start(slip, insured_user)
    payer = Client()
    open_card_page(payer, attempt.token)
    payer.post(f"/psp/pay/{attempt.token}/", {"action": "cancel"})
    come_back(payer, attempt, callback_fields(payer, attempt.token))
    assert reload(attempt).state == State.FAILED
    page = client_for(insured_user).get(reverse("insured:slip", args=[slip.number])).content.decode()
    assert 'data-testid="payment-holding"' not in page
    assert form_to(reverse("payments:pay_slip", args=[slip.number])) in page


def test_a_verified_payment_whose_answer_was_lost_is_credited_by_the_reconciler_and_the_page_says_paid(
        slip, insured_user, client_for, portal_gateway):
    verify_answer_lost(slip, insured_user)
    assert payment_reconcile(older_than=timedelta(0)) == {State.SUCCEEDED: 1}
    page = client_for(insured_user).get(reverse("insured:slip", args=[slip.number])).content.decode()
    assert 'data-testid="payment-holding"' not in page and "پرداخت‌شده" in page
    assert form_to(reverse("payments:pay_slip", args=[slip.number])) not in page


# A newer slip -----------------------------------------------------------------------------------------------------


def test_a_new_slip_waits_while_a_payment_of_the_old_one_is_unresolved(slip, insured_user, client_for,
                                                                       portal_gateway):
    """Issuing retires the unpaid slip. One whose payment the bank has not settled is not retired, or the payment
    would be reversed as voided and the same months paid again on the new slip: a second debit by another door."""
    verify_answer_lost(slip, insured_user)
    with pytest.raises(DomainError) as refused:
        slip_issue(actor=Actor.for_user(insured_user), contract=slip.contract, end_month=M(1405, 12),
                   channel="online")
    assert refused.value.message == PAYMENT_UNSETTLED and "دوباره پرداخت نکنید" in PAYMENT_UNSETTLED
    response = client_for(insured_user).post(reverse("insured:issue"), {"end": 140512, "request_key": "again"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [PAYMENT_UNSETTLED]
    slip.refresh_from_db()
    assert slip.status == SlipStatus.ISSUED and Slip.objects.filter(contract=slip.contract).count() == 1

    assert payment_reconcile(older_than=timedelta(0)) == {State.SUCCEEDED: 1}
    newer = slip_issue(actor=Actor.for_user(insured_user), contract=slip.contract, end_month=M(1405, 12),
                       channel="online")
    assert (newer.first_month, newer.last_month) == (M(1405, 10), M(1405, 12))


def test_a_payment_held_for_an_expert_does_not_keep_a_new_slip_from_being_issued(slip, insured_user,
                                                                                 portal_gateway):
    """A manual review may take days: the person must still be able to pay their months before the contract lapses
    (the old slip's page keeps telling its payer not to pay that slip again)."""
    first = start(slip, insured_user)
    PaymentAttempt.objects.filter(pk=first.pk).update(state=State.MANUAL_REVIEW)
    newer = slip_issue(actor=Actor.for_user(insured_user), contract=slip.contract, end_month=M(1405, 9),
                       channel="online")
    slip.refresh_from_db()
    assert slip.status == SlipStatus.VOIDED and newer.status == SlipStatus.ISSUED


def test_a_debt_slip_is_not_issued_again_while_a_payment_of_the_open_one_is_unresolved(debt_slip, staff_a,
                                                                                      portal_gateway):
    start(debt_slip, staff_a)
    with pytest.raises(DomainError) as refused:
        services.debt_slip_issue(actor=Actor.for_user(staff_a), statement=debt_slip.statement)
    assert refused.value.message == PAYMENT_UNSETTLED
    debt_slip.refresh_from_db()
    assert debt_slip.status == DebtSlipStatus.ISSUED


# Migrating a database written before the rule ---------------------------------------------------------------------

MIGRATION = importlib.import_module("payments.migrations.0006_one_unresolved_attempt")


def without_the_rule() -> None:
    """The database as it was before payments 0006: the partial unique indexes dropped (the test's transaction
    puts them back)."""
    with connection.cursor() as cursor:
        for name in ("one_unresolved_attempt_per_slip", "one_unresolved_attempt_per_debt_slip"):
            cursor.execute(f"DROP INDEX {name}")


def old_attempt(payable, order_id: str, state: str, minutes_ago: int) -> PaymentAttempt:
    owner = {"debt_slip": payable} if isinstance(payable, DebtSlip) else {"slip": payable}
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return PaymentAttempt.objects.create(order_id=order_id, psp="sep", terminal_id="10012345", state=state,
                                         amount_rial=1, created_at=at, updated_at=at, **owner)


@pytest.mark.parametrize("payable_fixture", ["slip", "debt_slip"])
def test_the_migration_fails_attempts_that_never_reached_the_bank_when_they_share_a_slip(payable_fixture, request):
    payable = request.getfixturevalue(payable_fixture)
    without_the_rule()
    at_the_bank = old_attempt(payable, "100000000000000001", State.REDIRECTED, minutes_ago=5)
    abandoned = old_attempt(payable, "100000000000000002", State.CREATED, minutes_ago=30)

    MIGRATION.settle_duplicate_unresolved_attempts(django_apps, None)

    assert reload(at_the_bank).state == State.REDIRECTED
    abandoned = reload(abandoned)
    assert (abandoned.state, abandoned.failure_reason) == (State.FAILED, text.BANK_UNAVAILABLE)
    assert abandoned.events.get().name == "created->failed"


def test_the_migration_stops_and_names_attempts_that_may_hold_money(slip):
    without_the_rule()
    old_attempt(slip, "100000000000000001", State.REDIRECTED, minutes_ago=9)
    old_attempt(slip, "100000000000000002", State.VERIFY_UNKNOWN, minutes_ago=5)
    young = old_attempt(slip, "100000000000000003", State.CREATED, minutes_ago=0)  # its token may be on its way

    with pytest.raises(RuntimeError, match="100000000000000001, 100000000000000002, 100000000000000003"):
        MIGRATION.settle_duplicate_unresolved_attempts(django_apps, None)
    assert reload(young).state == State.CREATED


def test_the_migration_leaves_a_single_unresolved_attempt_alone(slip):
    alone = old_attempt(slip, "100000000000000001", State.CREATED, minutes_ago=30)
    MIGRATION.settle_duplicate_unresolved_attempts(django_apps, None)
    assert reload(alone).state == State.CREATED  # the reconciler's to judge, as before
