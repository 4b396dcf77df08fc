"""Installs the simulator's terminal 10012345 and its test cards."""

from django.db import migrations

from payments.simulator import fixtures


def install(apps, schema_editor):
    fixtures.install(apps)


class Migration(migrations.Migration):
    dependencies = [("psp_simulator", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
