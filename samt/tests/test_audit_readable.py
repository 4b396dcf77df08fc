"""The audit trail reads in Persian: every action the code writes has a name, details are a before/after table,
and HQ filters by group, person, province, branch and office."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import transaction

from conftest import make_branch, make_user
from samt.actors import Actor
from samt.audit import audit_record
from samt.audit_names import ACTION_NAMES, GROUP_NAMES, action_name, event_changes
from samt.models import AuditEvent, Role

ROOT = Path(__file__).resolve().parents[2]
WRITTEN = re.compile(r'action="([a-z_]+\.[a-z_]+)"')


def actions_in_code() -> set[str]:
    found = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        found |= set(WRITTEN.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_action_the_code_writes_has_a_persian_name():
    unnamed = sorted(code for code in actions_in_code() if code not in ACTION_NAMES)
    assert not unnamed, unnamed
    assert {code.split(".")[0] for code in ACTION_NAMES} <= set(GROUP_NAMES)


def test_an_unknown_or_admin_action_still_reads():
    assert action_name("admin.branch.update") == "صفحه مدیریت: ویرایش branch"
    assert action_name("payment.something_new") == "پرداخت (payment.something_new)"


def test_before_and_after_become_rows_with_persian_field_names():
    rows = event_changes({"status": "active"}, {"status": "suspended", "reason": "تخلف"})
    assert [(r.field, r.before, r.after, r.changed) for r in rows] == [
        ("وضعیت", "active", "suspended", True), ("علت", "—", "تخلف", True)]


def record(user, action, subject=None, **kwargs):
    with transaction.atomic():
        return audit_record(actor=Actor.for_user(user), action=action, subject=subject or user, **kwargs)


@pytest.mark.django_db
def test_the_audit_page_shows_names_and_a_table_not_codes_and_dicts(client_for, hq_user, staff_a):
    record(staff_a, "insured.updated", before={"mobile": "09120000000"}, after={"mobile": "09121111111"})
    page = client_for(hq_user).get("/hq/audit/").content.decode()
    assert "ویرایش مشخصات بیمه‌شده" in page
    assert "<th scope=\"row\">تلفن همراه</th>" in page
    assert "{&#x27;mobile&#x27;" not in page and "insured.updated" not in page


@pytest.mark.django_db
def test_filters_by_group_and_person(client_for, hq_user, staff_a, branch_a):
    person = make_user("0499370899")
    record(staff_a, "auth.login")
    record(staff_a, "auth.password_set_by_branch", subject=person)
    record(staff_a, "insured.updated", after={"mobile": "09121111111"})
    client = client_for(hq_user)
    by_group = client.get("/hq/audit/", {"group": "auth"}).content.decode()
    assert "ورود به سامانه" in by_group and "ویرایش مشخصات بیمه‌شده" not in by_group
    by_person = client.get("/hq/audit/", {"person": "۰۴۹۹۳۷۰۸۹۹"}).content.decode()
    assert "گذرواژه تازه به دست شعبه" in by_person
    assert "ویرایش مشخصات بیمه‌شده" not in by_person and "ورود به سامانه" not in by_person


@pytest.mark.django_db
def test_a_national_reader_filters_by_province(client_for, branch_a, other_province):
    elsewhere = make_branch(other_province, "1101", "شعبه اصفهان")
    record(make_user("staff_x", role=Role.TECHNICAL_STAFF, branch=elsewhere), "insured.updated")
    record(make_user("staff_y", role=Role.TECHNICAL_STAFF, branch=branch_a), "insured.registered")
    national = make_user("national", role=Role.HQ)
    page = client_for(national).get("/hq/audit/", {"province": other_province.pk}).content.decode()
    assert "ویرایش مشخصات بیمه‌شده" in page and "ثبت بیمه‌شده" not in page
    assert AuditEvent.objects.count() >= 2
