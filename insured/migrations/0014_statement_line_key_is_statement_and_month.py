"""A statement line is keyed by its statement and month: the surrogate id, its sequence and its index go.

Nothing refers to a line by its id; the unique (statement, month) constraint already identified each line, and its
index served every lookup. The year-end batch writes about 8.5 lines per contract (8.5 million for a million
contracts), each of which also took a sequence number and an entry in the id's index.

Django 5.2 records a composite primary key in the migration state but writes nothing for it in the database, so
the tables are changed here: PostgreSQL in place, SQLite by rebuilding the table from the new model (as SQLite
always alters a primary key).
"""

from django.db import migrations, models

POSTGRESQL = """
ALTER TABLE insured_statementline DROP CONSTRAINT statement_month_once,
    DROP COLUMN id,
    ADD CONSTRAINT insured_statementline_pkey PRIMARY KEY (statement_id, month)
"""


def key_by_statement_and_month(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    else:
        schema_editor._remake_table(apps.get_model("insured", "StatementLine"))


class Migration(migrations.Migration):

    dependencies = [
        ("insured", "0013_statement_and_covered_month_one_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="statementline", name="statement_month_once"),
                migrations.RemoveField(model_name="statementline", name="id"),
                migrations.AddField(
                    model_name="statementline",
                    name="pk",
                    field=models.CompositePrimaryKey("statement", "month", blank=True, editable=False,
                                                     primary_key=True, serialize=False),
                ),
            ],
        ),
        migrations.RunPython(key_by_statement_and_month, elidable=False),
    ]
