"""Issue 10 item 4: one lock order, contract first, for every path that touches one person's slips.

A new slip issued while the old one is being paid used to deadlock on PostgreSQL: paying locked the slip and then
inserted covered months (a key lock on the contract) while issuing held the contract and waited to void the slip.
Now both take the contract first. Each order is forced with a pause inside the first path's transaction, at the
exact point where the old code held one lock and wanted the other. Since issue 10 item 2 an issue that comes first
does not retire a slip whose payment is unsettled: it refuses, and the payment is kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from insured import slips
from insured.models import CoveredMonth, Slip, SlipStatus
from payments.models import PaymentAttempt, State
from payments.services import payment_drive
from payments.tests.scenario_support import reload, start
from payments.tests.simulator_client import pay
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth as M
from samt.tests.concurrency import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PAUSE = 0.5


@pytest.fixture(autouse=True)
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("a lock-order race needs real row locks; SQLite serialises every writer (run with DATABASE_URL)")


def pausing(target: Callable[..., Any], reached: threading.Event) -> Callable[..., Any]:
    """`target`, which on its first call says so and then holds its transaction's locks a little longer."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = target(*args, **kwargs)
        if not reached.is_set():
            reached.set()
            time.sleep(PAUSE)
        return result

    return wrapper


def after(reached: threading.Event, call: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        assert reached.wait(timeout=20), "the first path never got to its pause"
        return call()

    return run


@pytest.fixture
def paid_at_bank(slip, insured_user, portal_gateway) -> PaymentAttempt:
    attempt = start(slip, insured_user)
    pay(Client(), attempt.token)
    return attempt


def issue_new(slip: Slip, insured_user) -> Callable[[], Slip]:
    return lambda: slips.slip_issue(actor=Actor.for_user(insured_user), contract=slip.contract,
                                    end_month=M(1405, 12), channel="online")


def test_a_payment_under_way_finishes_and_the_new_slip_starts_after_its_months(
        slip, insured_user, paid_at_bank, monkeypatch):
    """Pay first: the payment holds the locks (paused where it credits the months); the new slip waits."""
    reached = threading.Event()
    monkeypatch.setattr(slips, "_covered", pausing(slips._covered, reached))
    paying, issuing = at_once(lambda: payment_drive(paid_at_bank), after(reached, issue_new(slip, insured_user)))
    assert not isinstance(paying, BaseException), paying
    assert not isinstance(issuing, BaseException), issuing
    assert reload(paid_at_bank).state == State.SUCCEEDED  # the payment that came first is kept, not reversed
    slip.refresh_from_db()
    assert slip.status == SlipStatus.PAID
    assert (issuing.first_month, issuing.last_month) == (M(1405, 10), M(1405, 12))
    assert CoveredMonth.objects.filter(contract=slip.contract).count() == 6 + 3


def test_a_new_slip_asked_for_first_waits_for_the_payment_under_way_which_is_kept(
        slip, insured_user, paid_at_bank, monkeypatch):
    """Issue first: the issue holds the contract (paused where it asks whether the old slip's payment is settled);
    the payment waits for the contract. The issue then refuses (the bank has not settled the old slip's payment:
    retiring it would reverse good money, issue 10 item 2) and the payment goes on to be credited. One outcome,
    no deadlock, no reversal."""
    reached = threading.Event()
    monkeypatch.setattr(slips, "payment_unsettled", pausing(slips.payment_unsettled, reached))
    issuing, paying = at_once(issue_new(slip, insured_user), after(reached, lambda: payment_drive(paid_at_bank)))
    assert isinstance(issuing, DomainError) and issuing.message == slips.PAYMENT_UNSETTLED, issuing
    assert not isinstance(paying, BaseException), paying
    slip.refresh_from_db()
    assert slip.status == SlipStatus.PAID and reload(paid_at_bank).state == State.SUCCEEDED
    assert CoveredMonth.objects.filter(slip=slip).count() == 3
