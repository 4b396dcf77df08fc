"""The audit trail: written in the change's transaction, append-only on PostgreSQL, listed for HQ."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from conftest import make_branch, make_user
from samt.actors import Actor
from samt.audit import AuditOutsideTransaction, audit_record
from samt.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


def record(actor: Actor, action: str = "test.something", subject=None) -> AuditEvent:
    with transaction.atomic():
        return audit_record(actor=actor, action=action, subject=subject, before={"a": 1}, after={"a": 2})


def test_an_event_names_the_actor_role_branch_and_address(staff_a, branch_a):
    event = record(Actor.for_user(staff_a, client_ip="10.2.3.4"), subject=branch_a)
    assert (event.actor, event.role, event.branch, event.client_ip) == (staff_a, Role.TECHNICAL_STAFF, branch_a,
                                                                         "10.2.3.4")
    assert (event.subject_type, event.subject_id, event.before, event.after) == ("samt.branch", str(branch_a.pk),
                                                                                 {"a": 1}, {"a": 2})


def test_a_system_job_is_named_as_the_actor():
    event = record(Actor.system("compute_statements"))
    assert event.actor is None
    assert event.actor_label == "system:compute_statements"


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused(staff_a):
    with pytest.raises(AuditOutsideTransaction):
        audit_record(actor=Actor.for_user(staff_a), action="test.orphan")


def test_an_event_rolls_back_with_its_change(staff_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=Actor.for_user(staff_a), action="test.rolled_back")
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()


@pytest.mark.postgres
def test_postgresql_refuses_to_update_or_delete_an_event(staff_a):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists only on PostgreSQL")
    event = record(Actor.for_user(staff_a))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="test.forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.something"


def test_hq_lists_and_filters_events_of_its_province(client_for, hq_user, staff_a, staff_b, other_province):
    far_staff = make_user("far", role=Role.TECHNICAL_STAFF, branch=make_branch(other_province, "3101", "اصفهان"))
    record(Actor.for_user(staff_a), action="credential.request_registered")
    record(Actor.for_user(staff_b), action="slip.issued")
    record(Actor.for_user(far_staff), action="slip.issued")
    client = client_for(hq_user)

    page = client.get("/hq/audit/").context["page"]
    labels = {event.actor_label for event in page}
    assert {"staff_a", "staff_b"} <= labels
    assert "far" not in labels

    filtered = client.get("/hq/audit/", {"action": "slip"}).context["page"]
    assert [e.actor_label for e in filtered] == ["staff_b"]

    by_actor = client.get("/hq/audit/", {"actor": "STAFF_A"}).context["page"]
    assert {e.action for e in by_actor} == {"credential.request_registered"}


def test_the_audit_filter_takes_jalali_dates_in_persian_digits(client_for, hq_user, staff_a):
    record(Actor.for_user(staff_a))
    client = client_for(hq_user)
    assert len(client.get("/hq/audit/", {"since": "۱۴۰۰/۰۱/۰۱", "actor": "staff_a"}).context["page"]) == 1
    assert len(client.get("/hq/audit/", {"until": "۱۴۰۰/۰۱/۰۱", "actor": "staff_a"}).context["page"]) == 0
    response = client.get("/hq/audit/", {"since": "1405/13/40"})
    assert "تاریخ را به شکل سال/ماه/روز وارد کنید" in response.content.decode()


def test_only_hq_sees_the_audit_page(client_for, staff_a):
    assert client_for(staff_a).get("/hq/audit/").status_code == 403


def test_admin_edits_of_a_branch_leave_an_event_with_before_and_after(client_for, branch_a):
    admin_user = make_user("root")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = client_for(admin_user)
    form = {"code": "2104", "name": "شعبه الف (نو)", "province": branch_a.province_id, "city": "تهران",
            "address": "نشانی تازه", "opening_hours": "۷ تا ۱۴", "phone": "021-1"}
    response = client.post(f"/admin/samt/branch/{branch_a.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="admin.branch.update")
    assert event.before["name"] == "شعبه الف"
    assert event.after["name"] == "شعبه الف (نو)"
    assert event.actor == admin_user


def test_hq_filters_events_by_broker_office(client_for, hq_user, broker_operator, staff_a, office):
    record(Actor.for_user(broker_operator), action="broker.slip_issued")
    record(Actor.for_user(staff_a), action="slip.issued")
    page = client_for(hq_user).get("/hq/audit/", {"office": office.pk}).context["page"]
    assert [event.actor_label for event in page] == ["operator"]


def test_the_hq_home_links_to_the_broker_pages(client_for, hq_user):
    body = client_for(hq_user).get("/hq/").content.decode()
    assert 'href="/broker/reports/"' in body
    assert 'href="/broker/hq/cases/"' in body


@pytest.mark.parametrize("field", ["action", "person", "actor", "subject", "since", "until"])
def test_a_long_filter_is_a_form_error_not_a_server_error(client_for, hq_user, staff_a, field):
    record(Actor.for_user(staff_a))
    response = client_for(hq_user).get("/hq/audit/", {field: "۱۲۳۴۵۶۷۸۹۰" * 500})
    assert response.status_code == 200
    assert response.context["form"].errors[field] in (["این خانه بیش از اندازه بلند است؛ کوتاه‌ترش کنید."],
                                                      ["تاریخ را به شکل سال/ماه/روز وارد کنید، مثلاً ۱۴۰۵/۰۹/۰۴."])
    assert len(response.context["page"]) == 1  # an invalid filter filters nothing
