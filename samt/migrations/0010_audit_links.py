"""The audit trail's hash chain moves from columns of the events to links of their own (samt.audit_chain), written
by the worker after the events' transactions committed, so that no request waits for another's commit to link its
event (the month-end rush issues slips side by side). Every event written so far is linked here, in id order.

The events' place (branch, office, province) loses its database foreign-key constraint: checking it took a share
lock on the branch's row, so an event about a person (now filed under their branch) waited for any transaction
holding that row.

The links are append-only like the events: on PostgreSQL row triggers refuse UPDATE and DELETE and a statement
trigger TRUNCATE; on SQLite a row trigger refuses UPDATE (and the events' UPDATE trigger is made again: SQLite
rebuilds the table to drop the constraints, and the trigger goes with the old table).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from samt.audit_chain import GENESIS, event_hash

BATCH = 2000

POSTGRESQL_GUARD = """
CREATE FUNCTION samt_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER samt_auditlink_append_only
    BEFORE UPDATE OR DELETE ON samt_auditlink
    FOR EACH ROW EXECUTE FUNCTION samt_refuse_change();

CREATE TRIGGER samt_auditlink_no_truncate
    BEFORE TRUNCATE ON samt_auditlink
    FOR EACH STATEMENT EXECUTE FUNCTION samt_refuse_change();
"""
POSTGRESQL_UNGUARD = """
DROP TRIGGER IF EXISTS samt_auditlink_no_truncate ON samt_auditlink;
DROP TRIGGER IF EXISTS samt_auditlink_append_only ON samt_auditlink;
DROP FUNCTION IF EXISTS samt_refuse_change();
"""
SQLITE_GUARD = [
    "DROP TRIGGER IF EXISTS samt_auditevent_append_only",
    "CREATE TRIGGER samt_auditevent_append_only BEFORE UPDATE ON samt_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'samt_auditevent is append-only: UPDATE refused'); END",
    "CREATE TRIGGER samt_auditlink_append_only BEFORE UPDATE ON samt_auditlink "
    "BEGIN SELECT RAISE(ABORT, 'samt_auditlink is append-only: UPDATE refused'); END",
]
SQLITE_UNGUARD = ["DROP TRIGGER IF EXISTS samt_auditlink_append_only"]


def link_existing_events(apps, schema_editor):
    audit_event = apps.get_model("samt", "AuditEvent")
    audit_link = apps.get_model("samt", "AuditLink")
    prev_hash, batch = GENESIS, []
    for event in audit_event.objects.order_by("id").iterator(chunk_size=BATCH):
        row_hash = event_hash(prev_hash, event)
        batch.append(audit_link(event=event, prev_hash=prev_hash, row_hash=row_hash))
        prev_hash = row_hash
        if len(batch) == BATCH:
            audit_link.objects.bulk_create(batch)
            batch = []
    audit_link.objects.bulk_create(batch)


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_GUARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_GUARD:
            schema_editor.execute(statement, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_UNGUARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UNGUARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("samt", "0009_audit_hash_chain")]

    operations = [
        migrations.CreateModel(
            name="AuditLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("prev_hash", models.CharField(max_length=64)),
                ("row_hash", models.CharField(max_length=64)),
                ("linked_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("event", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="link",
                                               to="samt.auditevent")),
            ],
            options={"ordering": ["id"]},
        ),
        migrations.RunPython(link_existing_events, migrations.RunPython.noop),
        migrations.RemoveField(model_name="auditevent", name="prev_hash"),
        migrations.RemoveField(model_name="auditevent", name="row_hash"),
        # Writing an event must not wait for a transaction holding a branch, office or province row (samt.models).
        migrations.AlterField(model_name="auditevent", name="branch", field=models.ForeignKey(
            blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
            to="samt.branch")),
        migrations.AlterField(model_name="auditevent", name="office", field=models.ForeignKey(
            blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
            to="samt.brokeroffice")),
        migrations.AlterField(model_name="auditevent", name="province", field=models.ForeignKey(
            blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
            to="samt.province")),
        migrations.RunPython(guard, unguard),
    ]
