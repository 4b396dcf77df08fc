"""The bank's callback is the payer's slowest page: what it asks of the database is pinned here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from insured.models import CoveredMonth, SlipStatus
from payments.models import PaymentAttempt, State
from payments.tests.simulator_client import pay

pytestmark = pytest.mark.django_db


def portal_statements(queries: CaptureQueriesContext) -> list[str]:
    """The portal's own SQL: the simulator's (the bank, served by this process in tests) and the savepoints of the
    test's transaction left out."""
    return [q["sql"] for q in queries.captured_queries
            if "psp_simulator" not in q["sql"] and "SAVEPOINT" not in q["sql"]]


def test_a_successful_callback_takes_thirty_four_statements(azar_1405, insured_contract, insured_user, client_for,
                                                             portal_gateway):
    payer = client_for(insured_user)
    slip = payer.post("/me/slips/issue/", {"end": 140509, "request_key": "k"})["Location"].split("/")[-2]
    payer.post(f"/pay/slip/{slip}/")
    attempt = PaymentAttempt.objects.get(slip__number=slip)
    fields = pay(Client(), attempt.token)
    with CaptureQueriesContext(connection) as queries:
        response = payer.get(f"/pay/callback/{attempt.order_id}/", fields)
    attempt.refresh_from_db()
    assert response.status_code == 302 and attempt.state == State.SUCCEEDED
    assert attempt.slip.status == SlipStatus.PAID
    assert CoveredMonth.objects.filter(slip=attempt.slip).count() == 3
    sql = portal_statements(queries)
    # Session, the user with their membership; the throttle (and the old windows it drops on an address's first
    # hit); the attempt; the callback and its hint; the attempt again; to CHECKING (lock, update, event); the
    # receipt asked and answered; the reference not used elsewhere; to VERIFYING (lock, contract, slip, update,
    # event); the verify asked and answered; to SUCCEEDED (lock, update), crediting the slip (the slip, contract,
    # slip locked, its reference, update, lines, covered months, audit), the text (today's, the row), the audit event
    # and the transition. SEP deposits by itself: no settle is asked (the worker links the audit events into the chain).
    assert len(sql) == 34, "\n".join(sql)
    assert sum("psp_call" in q for q in sql) == 2
