"""Issue 10 item 7: the audit trail and the payment event log cannot be wiped by the application, and the audit
trail's hash chain finds a change made past the guards by whoever owns the database."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from samt.actors import Actor
from samt.audit import audit_record
from samt.audit_chain import GENESIS, chain_extend, event_hash
from samt.models import AuditEvent, AuditLink
from samt.tests.audit_support import guard_lifted
from samt.tests.concurrency import at_once

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                   reason="the guards against DELETE and TRUNCATE need PostgreSQL's triggers")
CONCURRENT = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                reason="concurrent writers need PostgreSQL; SQLite serialises every writer")


def record(action: str = "test.something", **after: object) -> AuditEvent:
    with transaction.atomic():
        return audit_record(actor=Actor.system("test"), action=action, after=after or None)


def verify() -> str:
    out = StringIO()
    call_command("verify_audit_chain", stdout=out)
    return out.getvalue()


def past_the_guards(sql: str, *params: object, tables: tuple[str, ...] = ()) -> None:
    with guard_lifted(*tables) as cursor:
        cursor.execute(sql, params)


def test_each_link_carries_the_hash_of_the_one_before():
    first, second = record("test.first"), record("test.second", amount=59_851_980, name="علیرضا")
    assert not AuditLink.objects.exists()  # written by the worker, not by the request
    assert chain_extend() == 2
    one, two = AuditLink.objects.get(event=first), AuditLink.objects.get(event=second)
    assert one.prev_hash == GENESIS
    assert two.prev_hash == one.row_hash
    assert two.row_hash == event_hash(one.row_hash, AuditEvent.objects.get(pk=second.pk))
    assert chain_extend() == 0


def test_the_command_says_an_untouched_chain_holds_and_what_waits_for_the_worker():
    [record(f"test.{n}") for n in range(3)]
    chain_extend()
    record("test.newest")
    head = AuditLink.objects.order_by("-id").first().row_hash
    assert verify() == f"audit chain intact: 3 events linked, head {head}; 1 newer events wait for the worker\n"


def test_a_changed_event_is_named_by_the_command():
    events = [record(f"test.{n}", amount=1000 * n) for n in range(5)]
    chain_extend()
    past_the_guards("UPDATE samt_auditevent SET after = %s WHERE id = %s", '{"amount": 1}', events[2].pk)
    with pytest.raises(CommandError, match=rf"broken at event {events[2].pk} .*test\.2\): its content was changed"
                                           r".*the 2 links before it hold"):
        verify()


def test_a_removed_event_is_named_at_the_event_after_it():
    events = [record(f"test.{n}") for n in range(4)]
    chain_extend()
    tables = ("samt_auditevent", "samt_auditlink")
    past_the_guards("DELETE FROM samt_auditlink WHERE event_id = %s", events[1].pk, tables=tables)
    past_the_guards("DELETE FROM samt_auditevent WHERE id = %s", events[1].pk, tables=tables)
    with pytest.raises(CommandError, match=rf"broken at event {events[2].pk} .*does not follow the link before"):
        verify()


def test_an_event_the_worker_never_linked_is_named_after_ten_minutes():
    record("test.linked")
    chain_extend()
    late = record("test.late")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)), \
            pytest.raises(CommandError, match=rf"broken at event {late.pk} .*has no link"):
        verify()


def test_the_migration_links_the_events_written_before_the_chain():
    old = [AuditEvent.objects.create(actor_label="staff_a", action=f"old.{n}", client_ip="2001:db8::1")
           for n in range(3)]
    import_module("samt.migrations.0010_audit_links").link_existing_events(apps, connection.schema_editor())
    assert verify().startswith("audit chain intact: 3 events linked")
    newer = record("test.after")
    chain_extend()
    assert AuditLink.objects.get(event=newer).prev_hash == AuditLink.objects.get(event=old[-1]).row_hash


@pytest.mark.parametrize("table", ["samt_auditevent", "samt_auditlink"])
def test_an_update_is_refused_on_every_database(table):
    record()
    chain_extend()
    with pytest.raises(DatabaseError, match=f"{table} is append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = id")
    assert AuditEvent.objects.get().action == "test.something"


@pytest.mark.postgres
@ON_POSTGRESQL
@pytest.mark.parametrize("statement", [
    "DELETE FROM samt_auditevent", "TRUNCATE samt_auditevent CASCADE", "TRUNCATE samt_user CASCADE",
    "DELETE FROM samt_auditlink", "TRUNCATE samt_auditlink"])
def test_postgresql_refuses_to_delete_or_wipe_the_audit_trail(statement):
    record()
    chain_extend()
    with pytest.raises(DatabaseError, match=r"samt_audit(event|link) is append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        # The rows above left deferred FK checks pending, which TRUNCATE refuses to run beside (a real TRUNCATE
        # starts its own transaction with none): run them now, so what refuses is the guard.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)
    assert AuditLink.objects.get().event.action == "test.something"


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="a superuser switching a trigger off is PostgreSQL's; SQLite has no users")
def test_a_superusers_change_is_reported_at_that_event():
    events = [record(f"test.{n}") for n in range(3)]
    chain_extend()
    past_the_guards("UPDATE samt_auditevent SET actor_label = 'someone else' WHERE id = %s", events[1].pk)
    with pytest.raises(CommandError) as refused:
        verify()
    assert str(refused.value).startswith(f"audit chain broken at event {events[1].pk} ")


@pytest.mark.postgres
@CONCURRENT
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_linkers_make_one_chain():
    def write_five(n: int):
        return lambda: [record(f"test.{n}.{i}") for i in range(5)]

    results = at_once(*(write_five(n) for n in range(6)), chain_extend, chain_extend)
    assert not [result for result in results if isinstance(result, BaseException)]
    chain_extend()
    assert verify().startswith("audit chain intact: 30 events linked")
