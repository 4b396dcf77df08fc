"""Concurrency on PostgreSQL: a double-clicked issue form records one fee, and wrong presence codes typed at
once still end the code after three tries."""

from __future__ import annotations

import pytest
from django.db import connection

from brokers import services
from brokers.models import FeeRecord, WalkInSession
from brokers.tests.conftest import present_walk_in
from insured.models import Slip
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth as M
from samt.tests.concurrency import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL; SQLite serialises every writer")


def test_a_double_submitted_issue_form_records_one_slip_and_one_fee(tariff, broker_operator, person):
    walk_in = present_walk_in(broker_operator, person)

    def submit():
        return services.walk_in_slip_issue(actor=Actor.for_user(broker_operator), walk_in=walk_in,
                                          end_month=M(1405, 9), request_key="one-form")

    first, second = at_once(submit, submit)
    assert first == second
    assert (Slip.objects.count(), FeeRecord.objects.count()) == (1, 1)


def test_wrong_codes_typed_at_once_never_get_more_than_three_tries(broker_operator, person, monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda _: 999_999)
    actor = Actor.for_user(broker_operator)
    walk_in = services.walk_in_start(actor=actor, national_code=person.national_code,
                                     insurance_number=person.insurance_number)
    services.presence_code_send(actor=actor, walk_in=walk_in)

    def guess(code):
        return lambda: services.presence_code_verify(actor=actor, walk_in=walk_in, code=code)

    results = at_once(*(guess(f"{n:06d}") for n in range(5)))
    walk_in = WalkInSession.objects.get()
    assert all(isinstance(result, DomainError) for result in results)
    assert (walk_in.code_attempts, walk_in.present_at) == (3, None)
    with pytest.raises(DomainError, match=services.CODE_TRIES_USED):
        services.presence_code_verify(actor=actor, walk_in=walk_in, code="999999")
