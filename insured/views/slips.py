"""The insured's slip pages: quote, issue, the slip and its PDF, the list, the paid-months timeline."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from insured import selectors
from insured.demand import gate_refusal_record
from insured.forms import EndMonthForm
from insured.models import Channel, Contract
from insured.slip_documents import slip_context, slip_pdf_response
from insured.slips import slip_issue, slip_offer
from insured.timeline import contract_timeline
from samt.access import AuthenticatedRequest, role_required
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import MONTH_NAMES, JalaliMonth
from samt.models import Role

NO_CONTRACT = "قرارداد فعالی برای شما ثبت نشده است؛ به شعبه خود مراجعه کنید."


def _contract_or_none(request: AuthenticatedRequest) -> Contract | None:
    contract = selectors.active_contract_for_user(request.user)
    if contract is None:
        selectors.person_for_user(request.user)  # 404 for an account with no insured person behind it
    return contract


@role_required(Role.INSURED)
def quote(request: AuthenticatedRequest) -> HttpResponse:
    contract = _contract_or_none(request)
    if contract is None:
        return render(request, "insured/slips/quote.html", {"blocked": NO_CONTRACT})
    offer = slip_offer(contract, channel=Channel.ONLINE)
    if not offer.can_issue:
        gate_refusal_record(contract=contract, channel=Channel.ONLINE)
    form = EndMonthForm(request.GET or None, months=offer.ends,
                        initial={"end": offer.end.as_int(), "request_key": uuid.uuid4().hex})
    if form.is_valid():
        offer = offer.ending(form.cleaned_data["end"])
    issue_form = EndMonthForm(months=offer.ends, initial={"end": offer.end.as_int(), "request_key": uuid.uuid4().hex})
    return render(request, "insured/slips/quote.html", {
        "quote": offer, "standing": offer.standing, "blocked": offer.blocked_by, "form": form,
        "issue_form": issue_form, "chosen_end": offer.end.as_int(),
    })


@require_POST
@role_required(Role.INSURED)
def issue(request: AuthenticatedRequest) -> HttpResponse:
    form = EndMonthForm(request.POST, months=None)
    if not form.is_valid():
        if _contract_or_none(request) is None:
            messages.error(request, NO_CONTRACT)
        else:
            messages.error(request, "ماه پایان را از فهرست انتخاب کنید.")
        return redirect("insured:quote")
    try:
        # The person's active contract is found by the statement that locks it (read once, not once before).
        slip = slip_issue(actor=Actor.from_request(request),
                          contract=selectors.active_contract_id_for_user(request.user),
                          end_month=form.cleaned_data["end"], channel=Channel.ONLINE,
                          request_key=form.cleaned_data["request_key"])
    except Contract.DoesNotExist:
        _contract_or_none(request)  # 404 for an account with no insured person behind it
        messages.error(request, NO_CONTRACT)
        return redirect("insured:quote")
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("insured:quote")
    messages.success(request, "برگ پرداخت صادر شد. آن را تا پایان مهلت بپردازید یا چاپ کنید.")
    return redirect("insured:slip", number=slip.number)


@role_required(Role.INSURED)
def slip_list(request: AuthenticatedRequest) -> HttpResponse:
    slips = selectors.slips_for_user(request.user)
    return render(request, "insured/slips/list.html", {"slips": slips})


@role_required(Role.INSURED)
def slip_detail(request: AuthenticatedRequest, number: str) -> HttpResponse:
    slip = selectors.slip_for_user_or_404(request.user, number)
    return render(request, "insured/slips/detail.html", slip_context(request, slip))


@role_required(Role.INSURED)
def slip_pdf(request: AuthenticatedRequest, number: str) -> HttpResponse:
    slip = selectors.slip_for_user_or_404(request.user, number)
    return slip_pdf_response(request, slip)


@role_required(Role.INSURED)
def months(request: AuthenticatedRequest) -> HttpResponse:
    contract = _contract_or_none(request)
    rows = contract_timeline(contract, JalaliMonth.current()) if contract else []
    return render(request, "insured/slips/months.html", {"contract": contract, "rows": rows,
                                                          "month_names": MONTH_NAMES})
