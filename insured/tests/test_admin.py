"""HQ edits the rate tables in the admin; every edit leaves an audit event. The ledger itself is read-only there."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from insured.models import InsuredPerson, TreatmentFee, WageTable
from insured.tests.conftest import register
from samt.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


def allow(user, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="insured", codename__in=codenames))


def test_an_hq_edit_of_a_wage_row_is_audited_with_before_and_after(client_for, hq_user):
    allow(hq_user, "view_wagetable", "change_wagetable")
    row = WageTable.objects.get(effective_from=140501)
    response = client_for(hq_user).post(f"/admin/insured/wagetable/{row.pk}/change/", {
        "effective_from": "۱۴۰۵/۰۱", "min_daily": "5600000", "ceiling_daily": "39200000",
        "source": "مصوبه اصلاحی ۱۴۰۵",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert (row.min_daily, row.ceiling_daily) == (5_600_000, 39_200_000)
    [event] = AuditEvent.objects.filter(action="admin.wagetable.update")
    assert (event.actor, event.role, event.subject_id) == (hq_user, Role.HQ, str(row.pk))
    assert (event.before["min_daily"], event.after["min_daily"]) == (5_541_850, 5_600_000)
    assert (event.before["ceiling_daily"], event.after["ceiling_daily"]) == (38_792_950, 39_200_000)
    assert event.after["source"] == "مصوبه اصلاحی ۱۴۰۵"


def test_a_new_per_capita_figure_is_audited(client_for, hq_user):
    allow(hq_user, "view_treatmentfee", "add_treatmentfee")
    response = client_for(hq_user).post("/admin/insured/treatmentfee/add/", {
        "year": "1405", "per_capita_monthly": "3100000", "source": "بخشنامه سرانه ۱۴۰۵"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TreatmentFee.objects.get(year=1405).per_capita_monthly == 3_100_000
    event = AuditEvent.objects.get(action="admin.treatmentfee.create")
    assert (event.before, event.after["per_capita_monthly"]) == (None, 3_100_000)


def test_a_ceiling_below_the_minimum_is_refused_by_the_database_rule(client_for, hq_user):
    allow(hq_user, "view_wagetable", "change_wagetable")
    row = WageTable.objects.get(effective_from=140401)
    response = client_for(hq_user).post(f"/admin/insured/wagetable/{row.pk}/change/", {
        "effective_from": "1404/01", "min_daily": "3463656", "ceiling_daily": "1000", "source": ""})
    assert response.status_code == 200
    assert WageTable.objects.get(pk=row.pk).ceiling_daily == 24_245_592
    assert not AuditEvent.objects.filter(action="admin.wagetable.update").exists()


def test_the_ledger_is_shown_but_not_changed_in_the_admin(client_for, hq_user, staff_actor, branch_a):
    person = register(staff_actor, branch_a).insured
    allow(hq_user, "view_insuredperson", "change_insuredperson", "view_contract", "view_accountstatement")
    client = client_for(hq_user)
    assert client.get("/admin/insured/insuredperson/", {"q": person.national_code}).status_code == 200
    assert client.get(f"/admin/insured/insuredperson/{person.pk}/change/").status_code == 200
    assert client.get("/admin/insured/contract/").status_code == 200
    assert client.get("/admin/insured/accountstatement/").status_code == 200
    response = client.post(f"/admin/insured/insuredperson/{person.pk}/change/", {"first_name": "دیگری"})
    assert response.status_code == 403
    assert InsuredPerson.objects.get(pk=person.pk).first_name == "مریم"
    assert client.get("/admin/insured/insuredperson/add/").status_code == 403
