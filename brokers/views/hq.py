"""HQ's broker pages: the approved fee tariffs, and fault cases against offices with their decisions."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from brokers import faults, selectors
from brokers.forms import DecisionForm, FaultCaseForm
from brokers.models import FaultCase, FeeTariff, tehran_today
from brokers.views.guards import broker_view
from samt.access import AuthenticatedRequest, office_for_user_or_404, visible_offices
from samt.actors import Actor
from samt.models import AuditEvent, Role
from samt.service_calls import call_service

hq_only = broker_view(Role.HQ, Role.BROKER_AFFAIRS)
CASE_EVENTS_SHOWN = 50


@hq_only
def tariff_list(request: AuthenticatedRequest) -> HttpResponse:
    today = tehran_today()
    tariffs = FeeTariff.objects.all()
    return render(request, "brokers/hq/tariffs.html", {"tariffs": tariffs, "today": today})


@hq_only
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    cases = selectors.cases_for(request.user)
    return render(request, "brokers/hq/case_list.html", {"cases": cases})


@hq_only
def case_new(request: AuthenticatedRequest) -> HttpResponse:
    offices = visible_offices(request.user)
    initial = {}
    if request.GET.get("office"):
        office = office_for_user_or_404(request.user, request.GET["office"])
        initial = {"office": office, "responsible_person": office.responsible_person}
    form = FaultCaseForm(request.POST or None, offices=offices, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = faults.fault_case_record(actor=Actor.from_request(request), office=data["office"], data=faults.CaseData(
            occurred_on=data["occurred_on"], what_happened=data["what_happened"], operator=data["operator"],
            slips=data["slips"], loss_to_organisation=data["loss_to_organisation"],
            loss_to_insured=data["loss_to_insured"], responsible_person=data["responsible_person"],
        ))
        messages.success(request, "پرونده ثبت شد؛ پس از بررسی، تصمیم را در همین صفحه ثبت کنید.")
        return redirect("brokers:case", number=case.number)
    return render(request, "brokers/hq/case_new.html", {"form": form})


def _office_events(case: FaultCase) -> list[AuditEvent]:
    """The trail a case is built from: what the office's operators did (the operator's own, if one is named)."""
    events = AuditEvent.objects.filter(office=case.office, action__startswith="broker.")
    if case.operator_id:
        events = events.filter(actor=case.operator_id)
    return list(events.select_related("office")[:CASE_EVENTS_SHOWN])


def _audit_link(case: FaultCase) -> str:
    query = {"action": "broker."}
    if case.operator is not None:
        query["actor"] = case.operator.username
    return f"{reverse('samt:audit_list')}?{urlencode(query)}"


def _case_page(request: AuthenticatedRequest, case: FaultCase, form: DecisionForm) -> HttpResponse:
    return render(request, "brokers/hq/case_detail.html", {
        "case": case, "form": form, "slips": case.slips.all(), "events": _office_events(case),
        "audit_link": _audit_link(case), "events_shown": CASE_EVENTS_SHOWN,
    })


@hq_only
def case_detail(request: AuthenticatedRequest, number: str) -> HttpResponse:
    return _case_page(request, selectors.case_for_user_or_404(request.user, number), DecisionForm())


@require_POST
@hq_only
def case_decide(request: AuthenticatedRequest, number: str) -> HttpResponse:
    case = selectors.case_for_user_or_404(request.user, number)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, form)
    call_service(request, faults.fault_case_decide, case=case, **form.cleaned_data,
                 success=lambda decided: f"تصمیم ثبت شد: {decided.get_sanction_display()}.")
    return redirect("brokers:case", number=number)
