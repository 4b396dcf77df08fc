"""Per-capita treatment figures become effective-dated rows: a correction of a year that slips already used is a new
row with its reason, in force from a day on, never an edit of the row those slips were priced with. The figures
loaded before are in force from the first day of their year.

On SQLite, altering a column rebuilds the table, which drops its triggers: the rate tables' version trigger of
0009 is put back, so every server's cached tables still see each write.
"""

from __future__ import annotations

import django.utils.timezone
import jdatetime
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

LOADED = "رقم منتشرشده سال، ثبت‌شده پیش از ردیف‌های اصلاحی"


def date_the_rows(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    TreatmentFee = apps.get_model("insured", "TreatmentFee")
    for row in TreatmentFee.objects.all():
        row.effective_from = jdatetime.date(row.year, 1, 1).togregorian()
        row.reason = LOADED
        row.save(update_fields=["effective_from", "reason"])


def restore_sqlite_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for event in ("INSERT", "UPDATE", "DELETE"):
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS insured_treatmentfee_version_{event.lower()} AFTER {event} "
            "ON insured_treatmentfee BEGIN UPDATE insured_ratetablesversion SET value = abs(random()) WHERE id = 1; END")


class Migration(migrations.Migration):
    dependencies = [("insured", "0011_audit_events_carry_the_persons_place")]

    operations = [
        migrations.AlterModelOptions(
            name="treatmentfee",
            options={"ordering": ["-year", "-effective_from", "-id"], "verbose_name": "سرانه درمان",
                     "verbose_name_plural": "سرانه\u200cهای درمان"},
        ),
        migrations.AddField("treatmentfee", "effective_from", models.DateField("اجرا از تاریخ", null=True)),
        migrations.AddField("treatmentfee", "reason", models.TextField("علت ثبت یا اصلاح", default="")),
        migrations.AddField("treatmentfee", "recorded_at",
                            models.DateTimeField("زمان ثبت", default=django.utils.timezone.now)),
        migrations.RunPython(date_the_rows, migrations.RunPython.noop),
        migrations.AlterField("treatmentfee", "effective_from", models.DateField("اجرا از تاریخ")),
        migrations.AlterField("treatmentfee", "reason", models.TextField("علت ثبت یا اصلاح")),
        migrations.AlterField("treatmentfee", "year", models.PositiveSmallIntegerField("سال")),
        migrations.AddConstraint(
            "treatmentfee", models.CheckConstraint(condition=~models.Q(reason=""), name="per_capita_has_reason")),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
    ]
