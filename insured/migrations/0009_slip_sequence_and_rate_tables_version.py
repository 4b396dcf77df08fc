"""Two things the month-end rush needs from the database itself.

- Slip numbers from a PostgreSQL sequence: the gap-free counter row made every issuing transaction wait for the
  one before it to commit. A slip number needs to be unique and check-digited, not gap-free (no register counts
  slips). The sequence starts after the last number the counter gave.
- A version of the rate tables that changes with any write to them (a trigger, so the admin, a service or a bulk
  update alike move it), so each server can cache the tables and see a change made through another server with
  one cheap read (insured.ledger.rate_tables). A random value rather than a counter: a rolled-back change puts
  the old value back, and a later change must never reuse a value some process cached.
"""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLES = ("insured_wagetable", "insured_schemerate", "insured_treatmentfee")


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    run = schema_editor.execute
    run("CREATE TABLE insured_ratetablesversion (id integer PRIMARY KEY, value bigint NOT NULL)")
    run("INSERT INTO insured_ratetablesversion (id, value) VALUES (1, 0)")
    if schema_editor.connection.vendor == "postgresql":
        counter = apps.get_model("samt", "Counter").objects.filter(key="slip").first()
        run(f"CREATE SEQUENCE insured_slip_number_seq START WITH {(counter.value if counter else 0) + 1}")
        run("""
            CREATE FUNCTION insured_rate_tables_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE insured_ratetablesversion SET value = floor(random() * 9e18)::bigint WHERE id = 1;
                RETURN NULL;
            END $$
        """)
        for table in TABLES:
            run(f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION insured_rate_tables_changed()")
    else:
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                run(f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} BEGIN "
                    "UPDATE insured_ratetablesversion SET value = abs(random()) WHERE id = 1; END")


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            run(f"DROP TRIGGER {table}_version ON {table}")
        run("DROP FUNCTION insured_rate_tables_changed()")
        run("DROP SEQUENCE insured_slip_number_seq")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                run(f"DROP TRIGGER {table}_version_{event}")
    run("DROP TABLE insured_ratetablesversion")


class Migration(migrations.Migration):
    dependencies = [("insured", "0008_gate_refusal"), ("samt", "0003_counter")]

    operations = [migrations.RunPython(forwards, backwards)]
