"""Installs the simulator's Mellat terminal 20012345 beside SEP's."""

from django.db import migrations

from payments.simulator import fixtures


def install(apps, schema_editor):
    fixtures.install(apps)


class Migration(migrations.Migration):
    dependencies = [("psp_simulator", "0003_mellat_terminals")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
