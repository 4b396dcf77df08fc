"""Sessions keep their half-hour idle timeout without a database write on every request."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db


def session_writes(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum(1 for q in queries.captured_queries
               if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT")))


def test_requests_within_a_minute_write_nothing_and_a_later_one_extends_the_session(client_for, insured_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = client_for(insured_user)
        client.get("/healthz/")
        clock.shift(timedelta(seconds=5))
        assert session_writes(client, "/healthz/") == 0
        assert session_writes(client, "/password/") == 0
        expiry = Session.objects.get().expire_date
        clock.shift(timedelta(seconds=61))
        assert session_writes(client, "/healthz/") == 1
        assert Session.objects.get().expire_date > expiry


def test_a_session_idle_for_half_an_hour_ends_and_one_in_use_does_not(client_for, insured_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        active = client_for(insured_user)
        for _ in range(4):  # forty minutes of use, a request every ten minutes
            clock.shift(timedelta(minutes=10))
            assert active.get("/password/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = active.get("/password/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(("who", "reads"), [("insured_user", 2), ("staff_a", 3)])
def test_a_signed_in_request_reads_the_session_and_the_user_with_their_membership(client_for, request, who, reads):
    user = request.getfixturevalue(who)
    client = client_for(user)
    client.get("/healthz/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/healthz/").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    # The role (the second-factor check on every request, role_required) is the membership, read with the user;
    # staff also have the second-factor device their session was verified with read again (django-otp).
    assert len(sql) == reads, "\n".join(sql)
    assert 'FROM "django_session"' in sql[0] and 'LEFT OUTER JOIN "samt_membership"' in sql[1]
    # The cached membership (or its absence) gives each their own pages.
    assert client.get("/me/" if who == "insured_user" else "/branch/2104/").status_code == 200
