"""The table of the shared database cache (settings.CACHES), made here so every database has it after migrate."""

from __future__ import annotations

from django.core.management import call_command
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def create_cache_table(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # createcachetable skips a table that exists and caches that are not in the database (CACHE_URL=redis://…).
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("samt", "0006_province_roles")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
