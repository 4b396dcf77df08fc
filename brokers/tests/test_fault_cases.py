"""Fault cases (the note under clause 4): HQ records and decides; a suspension stops the office's operators on
every broker page and in every broker service, and the audit trail names who did what at which office."""

from __future__ import annotations

import pytest

from brokers import faults, services
from brokers.models import FaultCase, Sanction
from brokers.tests.conftest import present_walk_in
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent, OfficeStatus

pytestmark = pytest.mark.django_db

CASE_FORM = {"office": "", "operator": "", "occurred_on": "۱۴۰۵/۰۹/۰۲",
             "what_happened": "برگ برای شخصی صادر شد که حاضر نبود.", "slip_numbers": "",
             "loss_to_organisation": "0", "loss_to_insured": "۱٬۲۰۰٬۰۰۰", "responsible_person": "مهدی کاظمی"}


@pytest.fixture
def hq_client(client_for, hq_user):
    return client_for(hq_user)


@pytest.fixture
def issued(tariff, broker_operator, person):
    return services.walk_in_slip_issue(actor=Actor.for_user(broker_operator),
                                      walk_in=present_walk_in(broker_operator, person), end_month=M(1405, 9))


def record(hq_client, office, **changes):
    return hq_client.post("/broker/hq/cases/new/", {**CASE_FORM, "office": office.pk, **changes})


def test_hq_records_a_case_with_the_operator_the_slip_and_the_loss(hq_client, office, broker_operator, issued):
    response = record(hq_client, office, operator=broker_operator.pk, slip_numbers=issued.slip.number)
    case = FaultCase.objects.get()
    assert response["Location"] == f"/broker/hq/cases/{case.number}/"
    assert (case.office, case.operator, case.loss_to_insured) == (office, broker_operator, 1_200_000)
    assert list(case.slips.all()) == [issued.slip]
    assert str(case.occurred_on) == "2026-11-23"
    assert AuditEvent.objects.get(action="broker_fault_case.recorded").after["slips"] == [issued.slip.number]


def test_the_case_page_lists_the_operators_events_with_their_slips(hq_client, office, broker_operator, issued):
    record(hq_client, office, operator=broker_operator.pk)
    response = hq_client.get(f"/broker/hq/cases/{FaultCase.objects.get().number}/")
    actions = [event.action for event in response.context["events"]]
    assert "broker.slip_issued" in actions
    body = response.content.decode()
    assert f"/broker/slips/{issued.slip.number}/" in body
    assert "/hq/audit/?action=broker.&amp;actor=operator" in body


def test_a_slip_of_another_office_cannot_be_named_in_a_case(hq_client, office, tariff, operator_b, person):
    elsewhere = services.walk_in_slip_issue(actor=Actor.for_user(operator_b),
                                           walk_in=present_walk_in(operator_b, person), end_month=M(1405, 9))
    body = record(hq_client, office, slip_numbers=elsewhere.slip.number).content.decode()
    assert "این برگ‌ها را این کارگزاری صادر نکرده است" in body
    assert not FaultCase.objects.exists()


def test_an_operator_of_another_office_cannot_be_named(hq_client, office, operator_b):
    body = record(hq_client, office, operator=operator_b.pk).content.decode()
    assert "در کارگزاری انتخاب‌شده کار نمی‌کند" in body


def decide(hq_client, case, sanction, decision="تعلیق سه‌ماهه به دلیل صدور برگ بدون حضور بیمه‌شده."):
    return hq_client.post(f"/broker/hq/cases/{case.number}/decide/", {"decision": decision, "sanction": sanction})


def make_case(hq_user, office) -> FaultCase:
    data = faults.CaseData(occurred_on=M(1405, 9).first_day, what_happened="شرح", operator=None, slips=[],
                           loss_to_organisation=0, loss_to_insured=0, responsible_person="مهدی کاظمی")
    return faults.fault_case_record(actor=Actor.for_user(hq_user), office=office, data=data)


def test_deciding_a_suspension_suspends_the_office_and_audits_it(hq_client, hq_user, office):
    case = make_case(hq_user, office)
    decide(hq_client, case, Sanction.SUSPENSION)
    office.refresh_from_db()
    assert office.status == OfficeStatus.SUSPENDED
    event = AuditEvent.objects.get(action="broker_office.suspended")
    assert (event.before, event.after) == ({"status": "active"}, {"status": "suspended", "case": case.number})


def test_a_warning_leaves_the_office_active(hq_client, hq_user, office):
    decide(hq_client, make_case(hq_user, office), Sanction.WARNING, "تذکر کتبی")
    office.refresh_from_db()
    assert office.status == OfficeStatus.ACTIVE


def test_a_case_is_decided_once(hq_user, office):
    case = make_case(hq_user, office)
    faults.fault_case_decide(actor=Actor.for_user(hq_user), case=case, decision="تذکر", sanction=Sanction.WARNING)
    with pytest.raises(DomainError, match="پیش‌تر تصمیم گرفته شده"):
        faults.fault_case_decide(actor=Actor.for_user(hq_user), case=case, decision="تعلیق",
                                 sanction=Sanction.SUSPENSION)


def test_a_closed_office_stays_closed_when_suspended(hq_user, office):
    office.status = OfficeStatus.CLOSED
    office.save(update_fields=["status"])
    faults.fault_case_decide(actor=Actor.for_user(hq_user), case=make_case(hq_user, office), decision="تعلیق",
                             sanction=Sanction.SUSPENSION)
    office.refresh_from_db()
    assert office.status == OfficeStatus.CLOSED


def test_hq_of_another_province_cannot_see_or_decide_the_case(client_for, hq_user, other_hq, office):
    case = make_case(hq_user, office)
    other = client_for(other_hq)
    assert other.get(f"/broker/hq/cases/{case.number}/").status_code == 404
    assert decide(other, case, Sanction.SUSPENSION).status_code == 404
    assert other.get("/broker/hq/cases/").context["cases"].count() == 0


def test_operators_cannot_open_hq_pages(client_for, broker_operator, hq_user, office):
    case = make_case(hq_user, office)
    client = client_for(broker_operator)
    for url in ("/broker/hq/cases/", "/broker/hq/cases/new/", f"/broker/hq/cases/{case.number}/",
                "/broker/hq/tariffs/"):
        assert client.get(url).status_code == 403, url


class TestASuspendedOffice:
    @pytest.fixture
    def suspended(self, hq_user, office):
        faults.fault_case_decide(actor=Actor.for_user(hq_user), case=make_case(hq_user, office),
                                 decision="تعلیق", sanction=Sanction.SUSPENSION)
        office.refresh_from_db()
        return office

    @pytest.mark.parametrize("status", [OfficeStatus.SUSPENDED, OfficeStatus.CLOSED])
    def test_every_broker_page_refuses_its_operators_in_persian(self, client_for, broker_operator, office, tariff,
                                                                 person, status):
        walk_in = present_walk_in(broker_operator, person)
        fee = services.walk_in_slip_issue(actor=Actor.for_user(broker_operator), walk_in=walk_in,
                                         end_month=M(1405, 9))
        office.status = status
        office.save(update_fields=["status"])
        client = client_for(broker_operator)
        urls = ["/broker/", "/broker/1001/", "/broker/walk-in/", f"/broker/walk-in/{walk_in.key}/",
                f"/broker/walk-in/{walk_in.key}/quote/", "/broker/slips/", f"/broker/slips/{fee.slip.number}/",
                f"/broker/slips/{fee.slip.number}/pdf/", f"/broker/fees/{fee.receipt_number}/pdf/",
                "/broker/reports/", "/broker/reports/csv/"]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 403, url
            assert "خدمت‌رسانی متوقف است" in response.content.decode(), url
        for url in ("/broker/walk-in/", f"/broker/walk-in/{walk_in.key}/issue/",
                    f"/broker/walk-in/{walk_in.key}/send-code/"):
            assert client.post(url, {"end": 140510, "request_key": "x"}).status_code == 403, url
        assert fee.slip.__class__.objects.count() == 1

    def test_the_refusal_names_the_case(self, client_for, broker_operator, suspended):
        body = client_for(broker_operator).get("/broker/").content.decode()
        case = FaultCase.objects.get()
        assert "به تصمیم اداره کل «تعلیق» شده است" in body
        assert case.number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in body

    def test_login_still_succeeds_and_lands_on_the_refusal(self, client_for, broker_operator, suspended):
        client = client_for(broker_operator)
        response = client.get("/home/", follow=True)
        assert response.status_code == 403
        assert "خدمت‌رسانی متوقف است" in response.content.decode()

    def test_the_services_refuse_too(self, suspended, broker_operator, person, tariff):
        actor = Actor.for_user(broker_operator)
        with pytest.raises(DomainError, match="«تعلیق»"):
            services.walk_in_start(actor=actor, national_code=person.national_code,
                                   insurance_number=person.insurance_number)
        with pytest.raises(DomainError, match="«تعلیق»"):
            services.walk_in_slip_issue(actor=actor, walk_in=present_walk_in(broker_operator, person),
                                       end_month=M(1405, 9))

    def test_hq_still_sees_the_office_and_its_slips(self, client_for, hq_user, suspended):
        assert client_for(hq_user).get("/broker/1001/").status_code == 200
