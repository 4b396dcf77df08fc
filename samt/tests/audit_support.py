"""Reaching past the audit trail's row trigger, as only a database owner or superuser can: for the tests of the
hash chain (a tampered event must be found) and of the migrations that correct old events (written before the
trigger of the development database existed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.backends.utils import CursorWrapper


@contextmanager
def guard_lifted(*tables: str) -> Iterator[CursorWrapper]:
    """What a database owner or superuser can do and the application cannot: switch the row trigger of `tables`
    (the audit events' by default) off, change them, switch it on again."""
    tables = tables or ("samt_auditevent",)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses to run beside pending FK checks
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
            yield cursor
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
        else:
            for table in tables:
                cursor.execute(f"DROP TRIGGER {table}_append_only")
            yield cursor
            for table in tables:
                cursor.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                               f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END")
