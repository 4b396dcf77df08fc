"""Events about a person's records written before they carried a place (by the payment driver, the reconciler, a
payer without a login, the insured or a broker, none of whom has a branch) are filed under the person's branch and
province, as samt.audit.audit_record files new ones, so the province's HQ sees them."""

from django.db import migrations
from django.db.models import BigIntegerField, Exists, OuterRef, Subquery
from django.db.models.functions import Cast

# The audit subject type, and the path from InsuredPerson to that row (as the models' audit_place follow it).
PATHS = {
    "insured.insuredperson": "pk",
    "insured.contract": "contracts",
    "insured.accountstatement": "contracts__statements",
    "insured.debtslip": "contracts__statements__debt_slips",
    "insured.statementobjection": "contracts__statements__objections",
    "insured.lapseextension": "contracts__extensions",
    "insured.slip": "contracts__slips",
}
# Created by samt 0002: the audit table refuses UPDATE on PostgreSQL, so this one-off correction lifts it for the
# length of this migration's transaction (a migration runs as the table's owner).
TRIGGER = "samt_auditevent_append_only"


def file_under_the_persons_place(apps, schema_editor):
    audit_event = apps.get_model("samt", "AuditEvent")
    insured_person = apps.get_model("insured", "InsuredPerson")
    on_postgresql = schema_editor.connection.vendor == "postgresql"
    if on_postgresql:
        schema_editor.execute(f"ALTER TABLE samt_auditevent DISABLE TRIGGER {TRIGGER}")
    for subject_type, path in PATHS.items():
        person = insured_person.objects.filter(**{path: Cast(OuterRef("subject_id"), BigIntegerField())})
        (audit_event.objects.filter(subject_type=subject_type).filter(Exists(person))
         .update(branch_id=Subquery(person.values("branch_id")[:1]),
                 province_id=Subquery(person.values("branch__province_id")[:1])))
    if on_postgresql:
        schema_editor.execute(f"ALTER TABLE samt_auditevent ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("insured", "0010_statement_line_one_index"),
        ("samt", "0008_sms_delivery_final"),
    ]

    operations = [migrations.RunPython(file_under_the_persons_place, migrations.RunPython.noop)]
