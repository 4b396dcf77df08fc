"""The admin shows the rate tables and the ledger and changes neither."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from insured.models import InsuredPerson, TreatmentFee, WageTable
from insured.tests.conftest import register

pytestmark = pytest.mark.django_db


def allow(user, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="insured", codename__in=codenames))


def test_the_rate_tables_are_shown_but_not_changed_in_the_admin(client_for, hq_user):
    """They change only through the reference-data pages, with an expert and the manager (hq/)."""
    allow(hq_user, "view_wagetable", "change_wagetable", "add_treatmentfee", "view_treatmentfee")
    row = WageTable.objects.get(effective_from=140501)
    client = client_for(hq_user)
    assert client.get("/admin/insured/wagetable/").status_code == 200
    response = client.post(f"/admin/insured/wagetable/{row.pk}/change/", {
        "effective_from": "۱۴۰۵/۰۱", "min_daily": "5600000", "ceiling_daily": "39200000", "source": "x"})
    assert response.status_code == 403
    added = client.post("/admin/insured/treatmentfee/add/", {"year": "1405", "per_capita_monthly": "1"})
    assert added.status_code == 403
    assert WageTable.objects.get(pk=row.pk).min_daily == 5_541_850
    assert not TreatmentFee.objects.filter(year=1405).exists()


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
