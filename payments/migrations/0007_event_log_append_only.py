"""The payment event log is append-only at the database, like the audit trail: on PostgreSQL row triggers refuse
UPDATE and DELETE and a statement trigger refuses TRUNCATE, whoever asks (the ORM, the admin or psql); on SQLite, the
development database, a row trigger refuses UPDATE (Django's test flush empties tables with DELETE there).

Runs before the audit trail's hash chain (samt 0009) so that the events 0005 filed under a person's place are hashed
as they now read."""

from django.db import migrations

POSTGRESQL_GUARD = """
CREATE FUNCTION payments_event_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'payments_paymentevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_paymentevent_append_only
    BEFORE UPDATE OR DELETE ON payments_paymentevent
    FOR EACH ROW EXECUTE FUNCTION payments_event_refuse_change();

CREATE TRIGGER payments_paymentevent_no_truncate
    BEFORE TRUNCATE ON payments_paymentevent
    FOR EACH STATEMENT EXECUTE FUNCTION payments_event_refuse_change();
"""
POSTGRESQL_UNGUARD = """
DROP TRIGGER IF EXISTS payments_paymentevent_no_truncate ON payments_paymentevent;
DROP TRIGGER IF EXISTS payments_paymentevent_append_only ON payments_paymentevent;
DROP FUNCTION IF EXISTS payments_event_refuse_change();
"""
SQLITE_GUARD = """
CREATE TRIGGER payments_paymentevent_append_only BEFORE UPDATE ON payments_paymentevent
BEGIN SELECT RAISE(ABORT, 'payments_paymentevent is append-only: UPDATE refused'); END;
"""
SQLITE_UNGUARD = "DROP TRIGGER IF EXISTS payments_paymentevent_append_only;"


def guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        schema_editor.execute(POSTGRESQL_GUARD if vendor == "postgresql" else SQLITE_GUARD, params=None)


def unguard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        schema_editor.execute(POSTGRESQL_UNGUARD if vendor == "postgresql" else SQLITE_UNGUARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0006_one_unresolved_attempt")]
    run_before = [("samt", "0009_audit_hash_chain")]

    operations = [migrations.RunPython(guard, unguard)]
