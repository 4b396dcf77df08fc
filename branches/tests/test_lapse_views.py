"""Lapse and return at the branch: the extension prepared by staff and decided by the head, the new contract."""

from __future__ import annotations

import pytest
import time_machine

from branches.tests.registry_builders import register_person
from insured import lapse
from insured.models import Contract, ContractStatus, ExtensionStatus, LapseExtension
from insured.tests.factories import pay_months
from samt.actors import Actor
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent

pytestmark = pytest.mark.django_db
AZAR = M(1405, 9).starts_at.replace(hour=10)  # Mordad to Azar: lapsed under three months, saved under four
DEY = M(1405, 10).starts_at.replace(hour=10)  # five months: beyond the extension


@pytest.fixture
def lapsing(branch_a, staff_a) -> Contract:
    contract = register_person(branch_a, staff_a, seed=5, first_month=M(1405, 1))
    pay_months(contract, M(1405, 1), M(1405, 4))
    return contract


def person_url(contract: Contract) -> str:
    return f"/branch/2104/insured/{contract.insured_id}/"


def test_staff_prepare_the_extension_and_the_head_approves_it(client_for, staff_a, head_a, lapsing):
    with time_machine.travel(AZAR):
        page = client_for(staff_a).get(person_url(lapsing)).content.decode()
        assert "تهیه مهلت چهارماهه برای تأیید رئیس شعبه" in page
        done = client_for(staff_a).post(f"/branch/2104/contracts/{lapsing.number}/extension/",
                                        {"reason": "بستری در بیمارستان"}, follow=True).content.decode()
        assert "منتظر تأیید رئیس شعبه است" in done
        assert "ثبت تصمیم" not in done  # staff cannot decide
        extension = LapseExtension.objects.get()
        head_page = client_for(head_a).get(person_url(lapsing)).content.decode()
        assert "ثبت تصمیم" in head_page and "بستری در بیمارستان" in head_page
        assert "مهلت چهارماهه در انتظار تأیید رئیس شعبه (۱)" in client_for(head_a).get("/branch/2104/").content.decode()
        client_for(head_a).post(f"/branch/2104/extensions/{extension.pk}/decide/",
                                {"decision": "approve", "note": "مدارک دیده شد"})
        after = client_for(staff_a).get(person_url(lapsing)).content.decode()
    lapsing.refresh_from_db()
    assert lapsing.lapse_extension_used
    assert "✓ صدور برگ پرداخت" in after
    assert AuditEvent.objects.filter(action="contract.extension_approved", actor=head_a).exists()


def test_staff_cannot_approve_even_by_posting(client_for, staff_a, lapsing):
    with time_machine.travel(AZAR):
        extension = lapse.extension_request(actor=Actor.for_user(staff_a), contract=lapsing, reason="سفر")
        response = client_for(staff_a).post(f"/branch/2104/extensions/{extension.pk}/decide/",
                                            {"decision": "approve"})
    assert response.status_code == 403
    assert LapseExtension.objects.get().status == ExtensionStatus.REQUESTED


def test_a_head_who_prepared_it_is_refused(client_for, head_a, lapsing):
    with time_machine.travel(AZAR):
        client_for(head_a).post(f"/branch/2104/contracts/{lapsing.number}/extension/", {"reason": "سفر"})
        extension = LapseExtension.objects.get()
        page = client_for(head_a).post(f"/branch/2104/extensions/{extension.pk}/decide/",
                                       {"decision": "approve"}, follow=True).content.decode()
    assert lapse.PREPARER_CANNOT_DECIDE in page
    assert LapseExtension.objects.get().status == ExtensionStatus.REQUESTED


def test_another_branch_gets_404(client_for, staff_b, lapsing):
    with time_machine.travel(AZAR):
        assert client_for(staff_b).post(f"/branch/2104/contracts/{lapsing.number}/extension/",
                                        {"reason": "x"}).status_code == 404
        assert client_for(staff_b).get(f"/branch/2104/contracts/{lapsing.number}/renew/").status_code == 404


def test_a_new_contract_for_a_lapsed_person_keeps_their_record(client_for, staff_a, lapsing):
    with time_machine.travel(DEY):
        page = client_for(staff_a).get(person_url(lapsing)).content.decode()
        assert "بستن قرارداد تازه" in page and "تهیه مهلت" not in page
        form = client_for(staff_a).get(f"/branch/2104/contracts/{lapsing.number}/renew/").content.decode()
        assert "نخستین ماه قرارداد تازه نمی‌تواند پیش از مهر ۱۴۰۵ باشد" in form
        done = client_for(staff_a).post(f"/branch/2104/contracts/{lapsing.number}/renew/", {
            "rate_code": "02", "wage_ratio": "۱٫۵", "first_month": "۱۴۰۵/۱۰"}, follow=True).content.decode()
    new = Contract.objects.get(replaces=lapsing)
    lapsing.refresh_from_db()
    assert lapsing.status == ContractStatus.LAPSED
    assert (new.insured_id, new.first_month, new.wage_ratio_hundredths) == (lapsing.insured_id, M(1405, 10), 150)
    assert "قرارداد تازه" in done and "در پرونده ماند" in done


def test_a_first_month_lapsed_on_its_first_day_is_refused_on_the_renewal_form(client_for, staff_a, lapsing):
    with time_machine.travel(DEY):
        page = client_for(staff_a).post(f"/branch/2104/contracts/{lapsing.number}/renew/", {
            "rate_code": "02", "wage_ratio": "1.5", "first_month": "1405/05"}, follow=True).content.decode()
    assert "همان روز باطل می‌شود" in page
    assert not Contract.objects.filter(replaces=lapsing).exists()
