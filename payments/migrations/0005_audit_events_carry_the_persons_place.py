"""Events about payments written before they carried a place (the payment driver, the reconciler and a payer
without a login have no branch) are filed under the paying person's branch and province, as
samt.audit.audit_record files new ones, so the province's HQ sees every payment alert."""

from django.db import migrations
from django.db.models import BigIntegerField, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Cast

# Created by samt 0002: the audit table refuses UPDATE on PostgreSQL, so this one-off correction lifts it for the
# length of this migration's transaction (a migration runs as the table's owner).
TRIGGER = "samt_auditevent_append_only"


def file_under_the_persons_place(apps, schema_editor):
    audit_event = apps.get_model("samt", "AuditEvent")
    insured_person = apps.get_model("insured", "InsuredPerson")
    attempt = Cast(OuterRef("subject_id"), BigIntegerField())
    person = insured_person.objects.filter(
        Q(contracts__slips__payments=attempt) | Q(contracts__statements__debt_slips__payments=attempt))
    on_postgresql = schema_editor.connection.vendor == "postgresql"
    if on_postgresql:
        schema_editor.execute(f"ALTER TABLE samt_auditevent DISABLE TRIGGER {TRIGGER}")
    (audit_event.objects.filter(subject_type="payments.paymentattempt").filter(Exists(person))
     .update(branch_id=Subquery(person.values("branch_id")[:1]),
             province_id=Subquery(person.values("branch__province_id")[:1])))
    if on_postgresql:
        schema_editor.execute(f"ALTER TABLE samt_auditevent ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_kiosk_branch"),
        ("insured", "0011_audit_events_carry_the_persons_place"),
    ]

    operations = [migrations.RunPython(file_under_the_persons_place, migrations.RunPython.noop)]
