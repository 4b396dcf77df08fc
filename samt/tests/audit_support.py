"""Reaching past the audit trail's row trigger, as only a database owner or superuser can: for the tests of the
hash chain (a tampered event must be found) and of the migrations that correct old events (written before the
trigger of the development database existed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module

from django.db import connection
from django.db.backends.utils import CursorWrapper


@contextmanager
def guard_lifted() -> Iterator[CursorWrapper]:
    """What a database owner or superuser can do and the application cannot: switch the row trigger off, change
    the table, switch it on again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses to run beside pending FK checks
            cursor.execute("ALTER TABLE samt_auditevent DISABLE TRIGGER samt_auditevent_append_only")
            yield cursor
            cursor.execute("ALTER TABLE samt_auditevent ENABLE TRIGGER samt_auditevent_append_only")
        else:
            cursor.execute("DROP TRIGGER samt_auditevent_append_only")
            yield cursor
            cursor.execute(import_module("samt.migrations.0009_audit_hash_chain").SQLITE_GUARD)
