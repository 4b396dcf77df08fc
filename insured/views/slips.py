"""The insured's slip pages: quote, issue, the slip and its PDF, the list, the paid-months timeline."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from insured import ledger, selectors
from insured.forms import EndMonthForm
from insured.models import Channel, Contract
from insured.slip_documents import slip_context, slip_pdf_response
from insured.slips import Quote, slip_issue, slip_quote
from insured.timeline import contract_timeline
from samt.access import role_required
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import MONTH_NAMES, JalaliMonth
from samt.models import Role

SHORTCUTS = ((1, "یک ماه"), (3, "سه ماه"), (6, "شش ماه"))
NO_CONTRACT = "قرارداد فعالی برای شما ثبت نشده است؛ به شعبه خود مراجعه کنید."


def _contract_or_none(request: HttpRequest) -> Contract | None:
    person = selectors.person_for_user(request.user)
    return ledger.active_contract(person.pk)


def _options(standing: ledger.Standing) -> list[tuple[str, Quote]]:
    """The total for one, three and six months and for the rest of the year, as far as each is possible."""
    ends: dict[JalaliMonth, str] = {}
    for count, label in SHORTCUTS:
        end = standing.first_unpaid + (count - 1)
        if end <= standing.latest_end:
            ends.setdefault(end, label)
    ends.setdefault(standing.latest_end, f"تا {standing.latest_end.label}")
    contract = standing.contract
    return [(label, slip_quote(contract, end, channel=Channel.ONLINE)) for end, label in sorted(ends.items())]


@role_required(Role.INSURED)
def quote(request: HttpRequest) -> HttpResponse:
    contract = _contract_or_none(request)
    if contract is None:
        return render(request, "insured/slips/quote.html", {"blocked": NO_CONTRACT})
    standing = ledger.standing(contract, JalaliMonth.current())
    if not standing.can_issue:
        return render(request, "insured/slips/quote.html", {"standing": standing, "blocked": standing.blocked_by})
    months = standing.first_unpaid.through(standing.latest_end)
    form = EndMonthForm(request.GET or None, months=months,
                        initial={"end": standing.latest_end.as_int(), "request_key": uuid.uuid4().hex})
    chosen = form.cleaned_data["end"] if form.is_valid() else standing.latest_end
    try:
        chosen_quote = slip_quote(contract, chosen, channel=Channel.ONLINE)
        options = _options(standing)
    except DomainError as refusal:
        return render(request, "insured/slips/quote.html", {"standing": standing, "blocked": refusal.message})
    issue_form = EndMonthForm(months=months, initial={"end": chosen.as_int(), "request_key": uuid.uuid4().hex})
    return render(request, "insured/slips/quote.html", {
        "standing": standing, "form": form, "issue_form": issue_form, "quote": chosen_quote, "options": options,
        "chosen_end": chosen.as_int(),
    })


@require_POST
@role_required(Role.INSURED)
def issue(request: HttpRequest) -> HttpResponse:
    contract = _contract_or_none(request)
    if contract is None:
        messages.error(request, NO_CONTRACT)
        return redirect("insured:quote")
    standing = ledger.standing(contract, JalaliMonth.current())
    months = standing.first_unpaid.through(max(standing.latest_end, standing.first_unpaid))
    form = EndMonthForm(request.POST, months=months)
    if not form.is_valid():
        messages.error(request, "ماه پایان را از فهرست انتخاب کنید.")
        return redirect("insured:quote")
    try:
        slip = slip_issue(actor=Actor.from_request(request), contract=contract, end_month=form.cleaned_data["end"],
                          channel=Channel.ONLINE, request_key=form.cleaned_data["request_key"])
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("insured:quote")
    messages.success(request, "برگ پرداخت صادر شد. آن را تا پایان مهلت بپردازید یا چاپ کنید.")
    return redirect("insured:slip", number=slip.number)


@role_required(Role.INSURED)
def slip_list(request: HttpRequest) -> HttpResponse:
    slips = selectors.slips_for_user(request.user)
    return render(request, "insured/slips/list.html", {"slips": slips})


@role_required(Role.INSURED)
def slip_detail(request: HttpRequest, number: str) -> HttpResponse:
    slip = selectors.slip_for_user_or_404(request.user, number)
    return render(request, "insured/slips/detail.html", slip_context(request, slip))


@role_required(Role.INSURED)
def slip_pdf(request: HttpRequest, number: str) -> HttpResponse:
    slip = selectors.slip_for_user_or_404(request.user, number)
    return slip_pdf_response(request, slip)


@role_required(Role.INSURED)
def months(request: HttpRequest) -> HttpResponse:
    contract = _contract_or_none(request)
    rows = contract_timeline(contract, JalaliMonth.current()) if contract else []
    return render(request, "insured/slips/months.html", {"contract": contract, "rows": rows,
                                                          "month_names": MONTH_NAMES})
