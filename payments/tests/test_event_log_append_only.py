"""Issue 10 item 7: the payment event log, like the audit trail, cannot be changed or wiped by the application."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from payments.models import PaymentEvent
from payments.tests.scenario_support import start

pytestmark = pytest.mark.django_db


def test_an_event_cannot_be_rewritten(slip, insured_user, portal_gateway):
    event = PaymentEvent.objects.filter(attempt=start(slip, insured_user)).first()
    with pytest.raises(DatabaseError, match="payments_paymentevent is append-only"), transaction.atomic():
        PaymentEvent.objects.filter(pk=event.pk).update(name="forged")
    assert PaymentEvent.objects.get(pk=event.pk).name == event.name


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="SQLite refuses only UPDATE: Django's test flush deletes rows there")
@pytest.mark.parametrize("statement", ["DELETE FROM payments_paymentevent", "TRUNCATE payments_paymentevent",
                                       "TRUNCATE payments_paymentattempt CASCADE"])
def test_postgresql_refuses_to_delete_or_wipe_the_log(slip, insured_user, portal_gateway, statement):
    attempt = start(slip, insured_user)
    events = PaymentEvent.objects.filter(attempt=attempt).count()
    assert events
    with pytest.raises(DatabaseError, match="payments_paymentevent is append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        # The rows above left deferred FK checks pending, which TRUNCATE refuses to run beside (a real TRUNCATE
        # starts its own transaction with none): run them now, so what refuses is the guard.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)
    assert PaymentEvent.objects.filter(attempt=attempt).count() == events
