"""The operator's walk-in pages: lookup by both identifiers, proof of presence, quote with the fee, issuance."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from brokers import services
from brokers.forms import CardCheckForm, CodeForm, LookupForm
from brokers.models import WalkInSession, tehran_today
from brokers.selectors import walk_in_for_operator_or_404
from brokers.views.guards import broker_view
from insured import ledger
from insured.demand import gate_refusal_record
from insured.forms import EndMonthForm
from insured.models import Channel
from insured.slips import slip_offer
from samt.access import AuthenticatedRequest
from samt.actors import Actor
from samt.errors import DomainError
from samt.models import Role
from samt.persian import to_persian_digits

operator_only = broker_view(Role.BROKER_OPERATOR)


@operator_only
def lookup(request: AuthenticatedRequest) -> HttpResponse:
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            walk_in = services.walk_in_start(actor=Actor.from_request(request), **form.cleaned_data)
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return redirect("brokers:walk_in", key=walk_in.key)
    return render(request, "brokers/walk_in/lookup.html", {"form": form})


def _presence_page(request: AuthenticatedRequest, walk_in: WalkInSession, **forms: object) -> HttpResponse:
    context = {
        "walk_in": walk_in,
        "masked_mobile": services.mask_mobile(walk_in.person.mobile),
        "code_form": forms.get("code_form") or CodeForm(),
        "card_form": forms.get("card_form") or CardCheckForm(),
        "code_valid_for": services.CODE_VALID_FOR,
        "presence_valid_for": services.PRESENCE_VALID_FOR,
    }
    return render(request, "brokers/walk_in/presence.html", context)


@operator_only
def presence(request: AuthenticatedRequest, key: UUID) -> HttpResponse:
    walk_in = walk_in_for_operator_or_404(request.user, key)
    if walk_in.is_present():
        return redirect("brokers:quote", key=key)
    return _presence_page(request, walk_in)


@require_POST
@operator_only
def send_code(request: AuthenticatedRequest, key: UUID) -> HttpResponse:
    walk_in = walk_in_for_operator_or_404(request.user, key)
    try:
        walk_in = services.presence_code_send(actor=Actor.from_request(request), walk_in=walk_in)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        mobile = to_persian_digits(services.mask_mobile(walk_in.code_mobile))
        messages.success(request, f"کد به همراه \u2066{mobile}\u2069 پیامک شد؛ "
                                  "بیمه‌شده آن را از گوشی خود بخواند.")
    return redirect("brokers:walk_in", key=key)


def _prove(request: AuthenticatedRequest, key: UUID, form: CodeForm | CardCheckForm, form_name: str,
           prove: Callable[..., WalkInSession], fields: tuple[str, ...]) -> HttpResponse | None:
    """Run one way of proving presence; None when it worked, else the page or redirect to show."""
    walk_in = walk_in_for_operator_or_404(request.user, key)
    if not form.is_valid():
        return _presence_page(request, walk_in, **{form_name: form})
    try:
        prove(actor=Actor.from_request(request), walk_in=walk_in, **{name: form.cleaned_data[name] for name in fields})
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("brokers:walk_in", key=key)
    return None


@require_POST
@operator_only
def verify_code(request: AuthenticatedRequest, key: UUID) -> HttpResponse:
    refused = _prove(request, key, CodeForm(request.POST), "code_form", services.presence_code_verify, ("code",))
    if refused:
        return refused
    messages.success(request, "حضور بیمه‌شده با کد پیامکی احراز شد.")
    return redirect("brokers:quote", key=key)


@require_POST
@operator_only
def card_check(request: AuthenticatedRequest, key: UUID) -> HttpResponse:
    refused = _prove(request, key, CardCheckForm(request.POST), "card_form", services.presence_card_check,
                     ("card_serial",))
    if refused:
        return refused
    messages.warning(request, "حضور با بررسی کارت ملی ثبت شد؛ این مراجعه در گزارش‌ها جداگانه نشان داده می‌شود.")
    return redirect("brokers:quote", key=key)


def _proven_or_redirect(request: AuthenticatedRequest, key: UUID) -> WalkInSession | HttpResponse:
    walk_in = walk_in_for_operator_or_404(request.user, key)
    try:
        return services.proven_walk_in(Actor.from_request(request), walk_in)
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("brokers:walk_in", key=key) if walk_in.present_at is None else redirect("brokers:lookup")


@operator_only
def quote(request: AuthenticatedRequest, key: UUID) -> HttpResponse:
    walk_in = _proven_or_redirect(request, key)
    if isinstance(walk_in, HttpResponse):
        return walk_in
    context: dict[str, object] = {"walk_in": walk_in, "person": walk_in.person}
    contract = ledger.active_contract(walk_in.person_id)
    if contract is None:
        return render(request, "brokers/walk_in/quote.html", {**context, "blocked": services.NO_CONTRACT})
    offer = slip_offer(contract, channel=Channel.BROKER)
    context.update(contract=contract, standing=offer.standing)
    if not offer.can_issue:
        gate_refusal_record(contract=contract, channel=Channel.BROKER, office=walk_in.office)
        return render(request, "brokers/walk_in/quote.html", {**context, "blocked": offer.blocked_by})
    form = EndMonthForm(request.GET or None, months=offer.ends, initial={"end": offer.end.as_int()})
    if form.is_valid():
        offer = offer.ending(form.cleaned_data["end"])
    try:
        context["tariff"] = services.tariff_in_force(tehran_today())
    except DomainError as refusal:
        context["fee_refusal"] = refusal.message
    return render(request, "brokers/walk_in/quote.html", {
        **context, "quote": offer, "form": form, "chosen_end": offer.end.as_int(), "request_key": uuid.uuid4().hex,
    })


@require_POST
@operator_only
def issue(request: AuthenticatedRequest, key: UUID) -> HttpResponse:
    walk_in = _proven_or_redirect(request, key)
    if isinstance(walk_in, HttpResponse):
        return walk_in
    # walk_in_slip_issue refuses a person without a contract, and slip_issue checks the end month against the
    # standing it computes under the contract's lock: one standing per request.
    form = EndMonthForm(request.POST, months=None)
    if not form.is_valid():
        messages.error(request, "ماه پایان را از فهرست انتخاب کنید.")
        return redirect("brokers:quote", key=key)
    try:
        fee = services.walk_in_slip_issue(actor=Actor.from_request(request), walk_in=walk_in,
                                         end_month=form.cleaned_data["end"],
                                         request_key=form.cleaned_data["request_key"])
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("brokers:quote", key=key)
    messages.success(request, "برگ پرداخت صادر و کارمزد ثبت شد. برگ و رسید کارمزد را چاپ کنید و به بیمه‌شده بدهید.")
    return redirect("brokers:slip", number=fee.slip.number)
