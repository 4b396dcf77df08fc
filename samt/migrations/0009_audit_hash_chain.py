"""The audit trail's hash chain (samt.audit_chain) and the rest of its guards.

Every event already written is hashed in id order, so the chain starts at the first event ever recorded. On
PostgreSQL TRUNCATE is refused as well (UPDATE and DELETE are since 0002, by the same function); on SQLite, the
development database, a row trigger refuses UPDATE. DELETE stays possible on SQLite: Django's test flush empties
tables with DELETE there, and SQLite has no privileged switch that would let only the flush through.
"""

from django.db import migrations, models

from samt.audit_chain import GENESIS, event_hash

# From 0002: lifted for the length of this migration's transaction while the existing rows get their hashes (a
# migration runs as the table's owner).
ROW_TRIGGER = "samt_auditevent_append_only"
BATCH = 2000

POSTGRESQL_GUARD = """
CREATE TRIGGER samt_auditevent_no_truncate
    BEFORE TRUNCATE ON samt_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION samt_audit_refuse_change();
"""
POSTGRESQL_UNGUARD = "DROP TRIGGER IF EXISTS samt_auditevent_no_truncate ON samt_auditevent;"
SQLITE_GUARD = """
CREATE TRIGGER samt_auditevent_append_only BEFORE UPDATE ON samt_auditevent
BEGIN SELECT RAISE(ABORT, 'samt_auditevent is append-only: UPDATE refused'); END;
"""
SQLITE_UNGUARD = "DROP TRIGGER IF EXISTS samt_auditevent_append_only;"


def hash_existing_events(apps, schema_editor):
    audit_event = apps.get_model("samt", "AuditEvent")
    on_postgresql = schema_editor.connection.vendor == "postgresql"
    if on_postgresql:
        schema_editor.execute(f"ALTER TABLE samt_auditevent DISABLE TRIGGER {ROW_TRIGGER}")
    prev_hash, batch = GENESIS, []
    for event in audit_event.objects.order_by("id").iterator(chunk_size=BATCH):
        event.prev_hash = prev_hash
        event.row_hash = prev_hash = event_hash(prev_hash, event)
        batch.append(event)
        if len(batch) == BATCH:
            audit_event.objects.bulk_update(batch, ["prev_hash", "row_hash"])
            batch = []
    audit_event.objects.bulk_update(batch, ["prev_hash", "row_hash"])
    if on_postgresql:
        schema_editor.execute(f"ALTER TABLE samt_auditevent ENABLE TRIGGER {ROW_TRIGGER}")


def guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        schema_editor.execute(POSTGRESQL_GUARD if vendor == "postgresql" else SQLITE_GUARD, params=None)


def unguard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        schema_editor.execute(POSTGRESQL_UNGUARD if vendor == "postgresql" else SQLITE_UNGUARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("samt", "0008_sms_delivery_final")]

    operations = [
        migrations.AddField(model_name="auditevent", name="prev_hash",
                            field=models.CharField(default="", editable=False, max_length=64),
                            preserve_default=False),
        migrations.AddField(model_name="auditevent", name="row_hash",
                            field=models.CharField(default="", editable=False, max_length=64),
                            preserve_default=False),
        migrations.RunPython(hash_existing_events, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
