"""On PostgreSQL the audit table refuses UPDATE and DELETE, whoever asks (the ORM, the admin or psql)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION samt_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'samt_auditevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER samt_auditevent_append_only
    BEFORE UPDATE OR DELETE ON samt_auditevent
    FOR EACH ROW EXECUTE FUNCTION samt_audit_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS samt_auditevent_append_only ON samt_auditevent;
DROP FUNCTION IF EXISTS samt_audit_refuse_change();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("samt", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
