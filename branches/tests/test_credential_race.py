"""Two (or eight) clerks pressing "register" at the same instant get distinct, consecutive secretariat
numbers. Needs real concurrency, so PostgreSQL: SQLite serialises every writer and proves nothing."""

from __future__ import annotations

from functools import partial

import pytest
from django.db import connection

from branches import services
from branches.models import CredentialRequest
from branches.tests.credential_support import make_insured, prepared
from samt.actors import Actor
from samt.jalali import JalaliMonth
from samt.models import Counter, User
from samt.tests.concurrency import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def register_all_at_once(pairs: list[tuple[User, CredentialRequest]]) -> list[int]:
    def register(user: User, draft: CredentialRequest) -> int:
        return services.request_register(actor=Actor.for_user(user), request=draft).secretariat_sequence

    results = at_once(*[partial(register, user, draft) for user, draft in pairs], timeout=30)
    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors
    return results


@pytest.fixture
def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a race needs concurrent writers; SQLite serialises them (run with DATABASE_URL=postgres://…)")


def test_two_clerks_registering_at_the_same_instant_get_consecutive_numbers(
    needs_postgresql, staff_a, clerk_a, branch_a
):
    drafts = [prepared(staff_a, make_insured(staff_a, branch_a, serial=500 + i)) for i in range(2)]
    # The branch's counter for the year does not exist yet: both also race to create it.
    assert not Counter.objects.filter(key__startswith="secretariat:").exists()

    numbers = register_all_at_once([(staff_a, drafts[0]), (clerk_a, drafts[1])])

    assert sorted(numbers) == [1, 2]
    year = JalaliMonth.current().year
    assert sorted(r.secretariat_number for r in CredentialRequest.objects.all()) == [
        f"{year}/2104/000001", f"{year}/2104/000002"]


def test_eight_registrations_at_once_leave_no_gap_and_no_repeat(needs_postgresql, staff_a, clerk_a, branch_a):
    drafts = [prepared(staff_a, make_insured(staff_a, branch_a, serial=600 + i)) for i in range(9)]
    services.request_register(actor=Actor.for_user(clerk_a), request=drafts[0])

    numbers = register_all_at_once([(clerk_a if i % 2 else staff_a, draft) for i, draft in enumerate(drafts[1:])])

    assert sorted(numbers) == list(range(2, 10))
    assert Counter.objects.get(key__startswith="secretariat:2104:").value == 9
