"""Issue 10 item 7: the audit trail and the payment event log cannot be wiped by the application, and the audit
trail's hash chain finds a change made past the guards by whoever owns the database."""

from __future__ import annotations

from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from samt.actors import Actor
from samt.audit import audit_record
from samt.audit_chain import GENESIS, event_hash
from samt.models import AuditEvent
from samt.tests.audit_support import guard_lifted
from samt.tests.concurrency import at_once

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                   reason="the guards against TRUNCATE and a superuser's tampering need PostgreSQL")


def record(action: str = "test.something", **after: object) -> AuditEvent:
    with transaction.atomic():
        return audit_record(actor=Actor.system("test"), action=action, after=after or None)


def verify() -> str:
    out = StringIO()
    call_command("verify_audit_chain", stdout=out)
    return out.getvalue()


def past_the_guards(sql: str, *params: object) -> None:
    with guard_lifted() as cursor:
        cursor.execute(sql, params)


def test_each_event_carries_the_hash_of_the_one_before():
    first, second = record("test.first"), record("test.second", amount=59_851_980, name="علیرضا")
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.row_hash
    stored = AuditEvent.objects.get(pk=second.pk)
    assert stored.row_hash == event_hash(stored.prev_hash, stored) == second.row_hash


def test_the_command_says_an_untouched_chain_holds():
    events = [record(f"test.{n}") for n in range(3)]
    assert verify() == f"audit chain intact: 3 events, head {events[-1].row_hash}\n"


def test_a_changed_event_is_named_by_the_command():
    events = [record(f"test.{n}", amount=1000 * n) for n in range(5)]
    past_the_guards("UPDATE samt_auditevent SET after = %s WHERE id = %s", '{"amount": 1}', events[2].pk)
    with pytest.raises(CommandError, match=rf"broken at event {events[2].pk} .*test\.2\): its content was changed"):
        verify()


def test_a_removed_event_is_named_at_the_event_after_it():
    events = [record(f"test.{n}") for n in range(4)]
    past_the_guards("DELETE FROM samt_auditevent WHERE id = %s", events[1].pk)
    with pytest.raises(CommandError, match=rf"broken at event {events[2].pk} .*does not follow the event before"):
        verify()


def test_the_migration_hashes_the_events_written_before_the_chain():
    old = [AuditEvent.objects.create(actor_label="staff_a", action=f"old.{n}", client_ip="2001:db8::1")
           for n in range(3)]
    assert {event.row_hash for event in old} == {""}
    with guard_lifted():  # not there yet when the migration runs
        import_module("samt.migrations.0009_audit_hash_chain").hash_existing_events(apps, connection.schema_editor())
    assert verify().startswith("audit chain intact: 3 events")
    assert record("test.after").prev_hash == AuditEvent.objects.get(pk=old[-1].pk).row_hash


def test_an_update_is_refused_on_every_database():
    event = record()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="test.forged")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.something"


@pytest.mark.postgres
@ON_POSTGRESQL
@pytest.mark.parametrize("statement", ["UPDATE samt_auditevent SET action = 'x'", "DELETE FROM samt_auditevent",
                                       "TRUNCATE samt_auditevent", "TRUNCATE samt_user CASCADE"])
def test_postgresql_refuses_to_change_or_wipe_the_audit_trail(statement):
    record()
    with pytest.raises(DatabaseError, match="samt_auditevent is append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        # The rows above left deferred FK checks pending, which TRUNCATE refuses to run beside (a real TRUNCATE
        # starts its own transaction with none): run them now, so what refuses is the guard.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)
    assert AuditEvent.objects.get().action == "test.something"


@pytest.mark.postgres
@ON_POSTGRESQL
def test_a_superusers_change_is_reported_at_that_event():
    events = [record(f"test.{n}") for n in range(3)]
    past_the_guards("UPDATE samt_auditevent SET actor_label = 'someone else' WHERE id = %s", events[1].pk)
    with pytest.raises(CommandError) as refused:
        verify()
    assert str(refused.value).startswith(f"audit chain broken at event {events[1].pk} ")


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="concurrent writers need PostgreSQL; SQLite serialises every writer")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_follow_each_other_in_the_chain():
    def write_five(n: int):
        return lambda: [record(f"test.{n}.{i}") for i in range(5)]

    results = at_once(*(write_five(n) for n in range(8)))
    assert not [result for result in results if isinstance(result, BaseException)]
    assert verify().startswith("audit chain intact: 40 events")
