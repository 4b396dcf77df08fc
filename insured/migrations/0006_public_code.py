"""Every slip and debt slip gets an unguessable public code; rows that exist get their own random one."""

import secrets

from django.db import migrations, models

import insured.models


def backfill(apps, schema_editor):
    for name in ("Slip", "DebtSlip"):
        model = apps.get_model("insured", name)
        for pk in model.objects.filter(public_code__isnull=True).values_list("pk", flat=True).iterator():
            model.objects.filter(pk=pk).update(public_code=secrets.token_urlsafe(16))


class Migration(migrations.Migration):
    dependencies = [("insured", "0005_year_end_lapse_return")]

    operations = [
        # Added empty first: a callable default on AddField is evaluated once, which would give every existing
        # row the same code and break the unique index.
        migrations.AddField("slip", "public_code", models.CharField(max_length=32, null=True)),
        migrations.AddField("debtslip", "public_code", models.CharField(max_length=32, null=True)),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            "slip", "public_code",
            models.CharField("کد عمومی برگ", max_length=32, unique=True, default=insured.models.new_public_code,
                             editable=False),
        ),
        migrations.AlterField(
            "debtslip", "public_code",
            models.CharField("کد عمومی برگ", max_length=32, unique=True, default=insured.models.new_public_code,
                             editable=False),
        ),
    ]
