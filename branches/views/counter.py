"""Issuing a premium slip at the branch counter for a walk-in (clause 5: the same slip as online)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from insured import ledger
from insured.forms import EndMonthForm
from insured.models import Channel, InsuredPerson, Slip, SlipStatus
from insured.slip_documents import slip_context, slip_pdf_response
from insured.slips import slip_issue, slip_offer
from samt.access import AuthenticatedRequest, branch_for_user_or_404, get_scoped_or_404, role_required
from samt.actors import Actor
from samt.errors import DomainError
from samt.models import Role

COUNTER_ROLES = (Role.TECHNICAL_STAFF, Role.BRANCH_HEAD)
NO_CONTRACT = "این بیمه‌شده قرارداد فعالی ندارد."


def _person(request: AuthenticatedRequest, code: str, pk: int) -> InsuredPerson:
    branch_for_user_or_404(request.user, code)
    return get_scoped_or_404(InsuredPerson.objects.select_related("branch"), request.user, branch_path="branch",
                             pk=pk)


def _slip(request: AuthenticatedRequest, code: str, number: str) -> Slip:
    branch_for_user_or_404(request.user, code)
    return get_scoped_or_404(Slip.objects.select_related("contract__insured__branch"), request.user,
                             branch_path="contract__insured__branch", number=number)


@role_required(*COUNTER_ROLES)
def counter_quote(request: AuthenticatedRequest, code: str, pk: int) -> HttpResponse:
    person = _person(request, code, pk)
    contract = ledger.active_contract(person.pk)
    context: dict[str, object] = {"person": person, "code": code}
    if contract is None:
        return render(request, "branches/counter/quote.html", {**context, "blocked": NO_CONTRACT})
    offer = slip_offer(contract, channel=Channel.BRANCH)
    if not offer.can_issue:
        return render(request, "branches/counter/quote.html", {**context, "blocked": offer.blocked_by})
    form = EndMonthForm(request.GET or None, months=offer.ends,
                        initial={"end": offer.end.as_int(), "request_key": uuid.uuid4().hex})
    if form.is_valid():
        offer = offer.ending(form.cleaned_data["end"])
    return render(request, "branches/counter/quote.html", {
        **context, "quote": offer, "standing": offer.standing, "form": form, "chosen_end": offer.end.as_int(),
        "request_key": uuid.uuid4().hex,
    })


@require_POST
@role_required(*COUNTER_ROLES)
def counter_issue(request: AuthenticatedRequest, code: str, pk: int) -> HttpResponse:
    person = _person(request, code, pk)
    contract = ledger.active_contract(person.pk)
    if contract is None:
        messages.error(request, NO_CONTRACT)
        return redirect("branches:counter_quote", code=code, pk=pk)
    # slip_issue checks the end month against the standing it computes under the contract's lock: one standing.
    form = EndMonthForm(request.POST, months=None)
    if not form.is_valid():
        messages.error(request, "ماه پایان را از فهرست انتخاب کنید.")
        return redirect("branches:counter_quote", code=code, pk=pk)
    try:
        slip = slip_issue(actor=Actor.from_request(request), contract=contract, end_month=form.cleaned_data["end"],
                          channel=Channel.BRANCH, request_key=form.cleaned_data["request_key"])
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("branches:counter_quote", code=code, pk=pk)
    messages.success(request, "برگ پرداخت در باجه صادر شد؛ آن را چاپ کنید و به بیمه‌شده بدهید.")
    return redirect("branches:counter_slip", code=code, number=slip.number)


@role_required(*COUNTER_ROLES, Role.HQ)
def counter_slip(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    slip = _slip(request, code, number)
    return render(request, "branches/counter/slip.html", {**slip_context(request, slip), "code": code})


@role_required(*COUNTER_ROLES, Role.HQ)
def slip_list(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The branch's slips, newest first, paid or not: whatever channel issued them, for this branch's insured."""
    branch = branch_for_user_or_404(request.user, code)
    slips = (Slip.objects.filter(contract__insured__branch=branch).select_related("contract__insured")
             .order_by("-issued_at", "-id"))
    state = request.GET.get("state", "")
    if state == "paid":
        slips = slips.filter(status=SlipStatus.PAID)
    elif state == "unpaid":
        slips = slips.filter(status=SlipStatus.ISSUED)
    page = Paginator(slips, 50).get_page(request.GET.get("page"))
    return render(request, "branches/counter/slip_list.html", {"branch": branch, "code": code, "page": page,
                                                               "state": state})


@role_required(*COUNTER_ROLES, Role.HQ)
def counter_slip_pdf(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    return slip_pdf_response(request, _slip(request, code, number))
