"""Reference data by page: an expert prepares, the manager (someone else) approves, the tables change at once,
a row that a paid month used is never changed, and every step is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from brokers.models import FeeTariff
from conftest import make_user
from hq import services
from hq.models import ChangeKind, ChangeStatus, ReferenceChange
from insured import ledger
from insured.models import Channel, TreatmentFee, WageTable
from insured.services import statement_compute
from insured.slips import slip_issue
from insured.tests.conftest import register
from insured.tests.factories import AZAR_1405, TEHRAN, pay_months
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent, Membership, OfficeStatus, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def azar_1405():
    with time_machine.travel(AZAR_1405, tick=False):
        yield


def propose(user, kind, values, reason="بخشنامه تازه", office=None) -> ReferenceChange:
    return services.reference_change_propose(actor=Actor.for_user(user), kind=kind, values=values, reason=reason,
                                             office=office)


PER_CAPITA_1405 = {"year": 1405, "per_capita_monthly": 3_100_000, "effective_from": "2026-03-21",
                   "source": "بخشنامه سرانه ۱۴۰۵"}


def test_a_per_capita_figure_counts_only_after_the_manager_approves(technical_expert, hq_user):
    change = propose(technical_expert, ChangeKind.PER_CAPITA, PER_CAPITA_1405)
    with pytest.raises(DomainError, match="سرانه درمان سال ۱۴۰۵ هنوز ثبت نشده"):
        ledger.per_capita_for(1405)
    services.reference_change_approve(actor=Actor.for_user(hq_user), change=change)
    assert ledger.per_capita_for(1405) == 3_100_000
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (ChangeStatus.APPROVED, hq_user)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_label"))
    assert actions == [("reference.proposed", "tech"), ("rates.per_capita_recorded", "hq"),
                       ("reference.approved", "hq")]
    recorded = AuditEvent.objects.get(action="rates.per_capita_recorded")
    assert (recorded.before, recorded.after["per_capita_monthly"], recorded.after["reason"]) == (
        None, 3_100_000, "بخشنامه تازه")


def test_a_per_capita_correction_of_a_used_year_is_a_new_row_from_today(technical_expert, hq_user, staff_actor,
                                                                        branch_a):
    manager = Actor.for_user(hq_user)
    services.reference_change_approve(actor=manager, change=propose(technical_expert, ChangeKind.PER_CAPITA,
                                                                    PER_CAPITA_1405))
    contract = register(staff_actor, branch_a, treatment=True)
    pay_months(contract, M(1405, 1), M(1405, 8))
    slip = slip_issue(actor=staff_actor, contract=contract, end_month=M(1405, 10), channel=Channel.BRANCH)
    correction = propose(technical_expert, ChangeKind.PER_CAPITA, {
        **PER_CAPITA_1405, "per_capita_monthly": 3_400_000, "effective_from": "2026-11-25"},  # 1405/09/04, today
        reason="اصلاح سرانه طبق بخشنامه تکمیلی")
    services.reference_change_approve(actor=manager, change=correction)
    rows = list(TreatmentFee.objects.filter(year=1405).order_by("id").values_list(
        "effective_from", "per_capita_monthly", "reason"))
    assert rows == [(M(1405, 1).first_day, 3_100_000, "بخشنامه تازه"),
                    (AZAR_1405.date(), 3_400_000, "اصلاح سرانه طبق بخشنامه تکمیلی")]
    # The calculator and new slips take the newest row in force; yesterday's figure and the slip priced with it stay.
    assert ledger.per_capita_for(1405) == 3_400_000
    assert ledger.per_capita_for(1405, AZAR_1405.date() - timedelta(days=1)) == 3_100_000
    assert {line.per_capita for line in slip.lines.all()} == {3_100_000}
    again = slip_issue(actor=staff_actor, contract=contract, end_month=M(1405, 10), channel=Channel.BRANCH)
    assert {line.per_capita for line in again.lines.all()} == {3_400_000}
    recorded = AuditEvent.objects.filter(action="rates.per_capita_recorded").latest("id")
    assert (recorded.before, recorded.after["reason"]) == (None, "اصلاح سرانه طبق بخشنامه تکمیلی")


def test_a_correction_never_reaches_back_before_today(technical_expert, hq_user):
    services.reference_change_approve(actor=Actor.for_user(hq_user), change=propose(
        technical_expert, ChangeKind.PER_CAPITA, PER_CAPITA_1405))
    backdated = propose(technical_expert, ChangeKind.PER_CAPITA, {**PER_CAPITA_1405, "per_capita_monthly": 3_400_000,
                                                                   "effective_from": "2026-08-23"})  # 1405/06/01
    with pytest.raises(DomainError, match=r"از امروز \(۱۴۰۵/۰۹/۰۴\) یا روزی پس از آن"):
        services.reference_change_approve(actor=Actor.for_user(hq_user), change=backdated)
    backdated.refresh_from_db()
    assert backdated.status == ChangeStatus.PROPOSED
    assert list(TreatmentFee.objects.filter(year=1405).values_list("per_capita_monthly", flat=True)) == [3_100_000]


def test_a_correction_from_a_later_day_waits_for_its_day(technical_expert, hq_user):
    manager = Actor.for_user(hq_user)
    services.reference_change_approve(actor=manager, change=propose(technical_expert, ChangeKind.PER_CAPITA,
                                                                    PER_CAPITA_1405))
    services.reference_change_approve(actor=manager, change=propose(
        technical_expert, ChangeKind.PER_CAPITA, {**PER_CAPITA_1405, "per_capita_monthly": 3_400_000,
                                                  "effective_from": "2026-12-22"}))  # 1405/10/01
    assert ledger.per_capita_for(1405) == 3_100_000
    with time_machine.travel(datetime(2026, 12, 22, 8, 0, tzinfo=TEHRAN), tick=False):
        assert ledger.per_capita_for(1405) == 3_400_000


def test_the_statement_settles_a_corrected_year_at_its_newest_figure(technical_expert, hq_user, staff_actor,
                                                                     branch_a):
    """1404's published figure (2,358,000) was paid all year; HQ corrects it in 1405, before the statements."""
    contract = register(staff_actor, branch_a, first_month=M(1404, 1), treatment=True)
    pay_months(contract, M(1404, 1), M(1404, 12))
    services.reference_change_approve(actor=Actor.for_user(hq_user), change=propose(
        technical_expert, ChangeKind.PER_CAPITA, {"year": 1404, "per_capita_monthly": 2_500_000,
                                                  "effective_from": "2026-11-25", "source": "اصلاحیه ۱۴۰۴"}))
    statement = statement_compute(actor=staff_actor, contract=contract, year=1404)
    assert {line.per_capita_due for line in statement.lines.all()} == {2_500_000}
    assert statement.balance == (2_500_000 - 2_358_000) * 12
    assert TreatmentFee.objects.filter(year=1404).count() == 2


def test_the_preparer_never_approves_their_own_figure(technical_expert):
    change = propose(technical_expert, ChangeKind.PER_CAPITA, PER_CAPITA_1405)
    # Promoted to manager after preparing it: still not the one to approve it.
    Membership.objects.filter(user=technical_expert).update(role=Role.HQ)
    technical_expert.refresh_from_db()
    with pytest.raises(DomainError, match="نمی‌تواند خودش آن را تأیید کند"):
        services.reference_change_approve(actor=Actor.for_user(technical_expert), change=change)
    assert not TreatmentFee.objects.filter(year=1405).exists()


def test_the_database_refuses_a_change_decided_by_its_preparer(technical_expert):
    change = propose(technical_expert, ChangeKind.PER_CAPITA, PER_CAPITA_1405)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferenceChange.objects.filter(pk=change.pk).update(status=ChangeStatus.APPROVED, decided_by=technical_expert,
                                                            decided_at=AZAR_1405)


def test_only_the_manager_decides_and_only_experts_prepare(technical_expert, broker_affairs, hq_user):
    with pytest.raises(DomainError, match="با نقش شما نیست"):
        propose(hq_user, ChangeKind.PER_CAPITA, PER_CAPITA_1405)
    with pytest.raises(DomainError, match="با نقش شما نیست"):
        propose(broker_affairs, ChangeKind.PER_CAPITA, PER_CAPITA_1405)
    change = propose(technical_expert, ChangeKind.PER_CAPITA, PER_CAPITA_1405)
    with pytest.raises(DomainError, match="تنها با مدیر کل"):
        services.reference_change_approve(actor=Actor.for_user(broker_affairs), change=change)


def test_a_wage_row_a_paid_month_used_is_not_changed(technical_expert, hq_user, staff_actor, branch_a):
    pay_months(register(staff_actor, branch_a), M(1405, 1), M(1405, 6))
    change = propose(technical_expert, ChangeKind.WAGE, {"effective_from": 140501, "min_daily": 6_000_000,
                                                         "ceiling_daily": 42_000_000, "source": "اصلاحیه"})
    with pytest.raises(DomainError, match="۶ ماهِ برگ‌های صادر یا پرداخت‌شده به کار رفته"):
        services.reference_change_approve(actor=Actor.for_user(hq_user), change=change)
    change.refresh_from_db()
    assert change.status == ChangeStatus.PROPOSED
    assert WageTable.objects.get(effective_from=140501).min_daily == 5_541_850


def test_a_mid_year_wage_row_from_an_unused_month_is_a_new_row(technical_expert, hq_user, staff_actor, branch_a):
    pay_months(register(staff_actor, branch_a), M(1405, 1), M(1405, 6))
    change = propose(technical_expert, ChangeKind.WAGE, {"effective_from": 140510, "min_daily": 6_000_000,
                                                         "ceiling_daily": 42_000_000, "source": "مصوبه میان‌سال"})
    services.reference_change_approve(actor=Actor.for_user(hq_user), change=change)
    assert ledger.wage_in_force(M(1405, 9)).min_daily == 5_541_850
    assert ledger.wage_in_force(M(1405, 10)).min_daily == 6_000_000
    assert WageTable.objects.filter(effective_from__gte=140501, effective_from__lte=140512).count() == 2


def test_a_scheme_rate_from_a_month_on(technical_expert, hq_user):
    change = propose(technical_expert, ChangeKind.SCHEME_RATE, {"rate_code": "02", "effective_from": 140511,
                                                                "rate_bp": 1500})
    services.reference_change_approve(actor=Actor.for_user(hq_user), change=change)
    assert (ledger.rate_in_force("02", M(1405, 10)), ledger.rate_in_force("02", M(1405, 11))) == (1400, 1500)


def test_a_rejection_needs_its_reason_and_changes_nothing(technical_expert, hq_user):
    change = propose(technical_expert, ChangeKind.PER_CAPITA, PER_CAPITA_1405)
    with pytest.raises(DomainError, match="علت رد"):
        services.reference_change_reject(actor=Actor.for_user(hq_user), change=change, note=" ")
    services.reference_change_reject(actor=Actor.for_user(hq_user), change=change, note="رقم با بخشنامه نمی‌خواند")
    with pytest.raises(DomainError, match="پیش‌تر تصمیم"):
        services.reference_change_approve(actor=Actor.for_user(hq_user), change=change)
    assert not TreatmentFee.objects.filter(year=1405).exists()


def test_broker_affairs_suspends_and_reinstates_an_office(broker_affairs, hq_user, office, client_for,
                                                         broker_operator):
    manager = Actor.for_user(hq_user)
    services.reference_change_approve(actor=manager, change=propose(
        broker_affairs, ChangeKind.OFFICE_STATUS, {"status": OfficeStatus.SUSPENDED}, office=office))
    office.refresh_from_db()
    assert office.status == OfficeStatus.SUSPENDED
    assert client_for(broker_operator).get("/broker/walk-in/").status_code == 403
    services.reference_change_approve(actor=manager, change=propose(
        broker_affairs, ChangeKind.OFFICE_STATUS, {"status": OfficeStatus.ACTIVE}, office=office))
    office.refresh_from_db()
    assert office.status == OfficeStatus.ACTIVE
    assert AuditEvent.objects.filter(action="broker_office.reinstated", subject_id=str(office.pk)).exists()


def test_an_overlapping_tariff_is_refused_on_approval(broker_affairs, hq_user):
    values = {"year": 1405, "amount": 500_000, "approval_reference": "۱۲۳", "effective_from": "2026-03-21",
              "effective_to": "2027-03-20"}
    services.reference_change_approve(actor=Actor.for_user(hq_user),
                                      change=propose(broker_affairs, ChangeKind.FEE_TARIFF, values))
    assert FeeTariff.objects.get().amount == 500_000
    second = propose(broker_affairs, ChangeKind.FEE_TARIFF, {**values, "amount": 600_000})
    with pytest.raises(DomainError, match="هم‌پوشانی"):
        services.reference_change_approve(actor=Actor.for_user(hq_user), change=second)


# The pages ------------------------------------------------------------------------------------------------------

def test_the_expert_prepares_through_the_page_with_persian_digits(client_for, technical_expert):
    client = client_for(technical_expert)
    assert 'value="۱۴۰۵/۰۹/۰۴"' in client.get("/hq/reference/new/per_capita/").content.decode()  # from today
    response = client.post("/hq/reference/new/per_capita/", {
        "year": "۱۴۰۵", "per_capita_monthly": "۳٬۱۰۰٬۰۰۰", "effective_from": "۱۴۰۵/۰۱/۰۱", "source": "بخشنامه ۱۴۰۵",
        "reason": "سرانه سال جاری"})
    change = ReferenceChange.objects.get()
    assert response.headers["Location"] == f"/hq/reference/{change.pk}/"
    assert change.values == {"year": 1405, "per_capita_monthly": 3_100_000, "effective_from": "2026-03-21",
                             "source": "بخشنامه ۱۴۰۵"}
    page = client.get(f"/hq/reference/{change.pk}/").content.decode()
    assert "۳٬۱۰۰٬۰۰۰" in page and "۱۴۰۵/۰۱/۰۱" in page and "در انتظار تأیید مدیر کل" in page
    assert "تأیید و اجرا" not in page


def test_the_manager_approves_on_the_page(client_for, technical_expert, hq_user):
    change = propose(technical_expert, ChangeKind.PER_CAPITA, PER_CAPITA_1405)
    client = client_for(hq_user)
    assert "تأیید و اجرا" in client.get(f"/hq/reference/{change.pk}/").content.decode()
    client.post(f"/hq/reference/{change.pk}/approve/")
    page = client.get(f"/hq/reference/{change.pk}/").content.decode()
    assert "تأییدشده و در اجرا" in page
    assert TreatmentFee.objects.get(year=1405).per_capita_monthly == 3_100_000


def test_an_expert_cannot_approve_by_posting(client_for, technical_expert, broker_affairs):
    change = propose(technical_expert, ChangeKind.PER_CAPITA, PER_CAPITA_1405)
    assert client_for(technical_expert).post(f"/hq/reference/{change.pk}/approve/").status_code == 403
    assert client_for(broker_affairs).post(f"/hq/reference/{change.pk}/approve/").status_code == 403


def test_an_expert_prepares_only_their_own_kinds(client_for, technical_expert, broker_affairs):
    assert client_for(technical_expert).get("/hq/reference/new/fee_tariff/").status_code == 404
    assert client_for(broker_affairs).get("/hq/reference/new/wage/").status_code == 404
    assert client_for(broker_affairs).get("/hq/reference/new/office_status/").status_code == 200


def test_another_provinces_manager_gets_404(client_for, technical_expert, other_province):
    change = propose(technical_expert, ChangeKind.PER_CAPITA, PER_CAPITA_1405)
    elsewhere = make_user("hq_isfahan", role=Role.HQ, province=other_province)
    client = client_for(elsewhere)
    assert client.get(f"/hq/reference/{change.pk}/").status_code == 404
    assert client.post(f"/hq/reference/{change.pk}/approve/").status_code == 404
    assert not TreatmentFee.objects.filter(year=1405).exists()


def test_a_used_row_refusal_is_shown_to_the_manager(client_for, technical_expert, hq_user, staff_actor, branch_a):
    pay_months(register(staff_actor, branch_a), M(1405, 1), M(1405, 2))
    change = propose(technical_expert, ChangeKind.WAGE, {"effective_from": 140501, "min_daily": 6_000_000,
                                                         "ceiling_daily": 42_000_000, "source": "اصلاحیه"})
    response = client_for(hq_user).post(f"/hq/reference/{change.pk}/approve/", follow=True)
    assert "اصلاح را به صورت ردیف تازه" in response.content.decode()
