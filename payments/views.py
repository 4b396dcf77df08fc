"""Paying a slip or a debt slip by card: the hand-off to the PSP, the way back, and the outcome."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from insured import selectors
from insured.models import DebtSlip, Slip
from insured.slip_documents import slip_context
from payments import messages as text
from payments.gateways.registry import get_gateway
from payments.models import PaymentAttempt, PaymentEvent, State
from payments.receipts import receipt_pdf_response
from payments.services import payment_drive, payment_start, record_event
from samt.access import role_required
from samt.actors import Actor
from samt.errors import DomainError
from samt.models import Role

PENDING_STATES = {State.CREATED, State.REDIRECTED, State.CHECKING, State.VERIFYING, State.VERIFY_UNKNOWN,
                  State.REVERSE_PENDING}


def hand_off(request: HttpRequest, payable: Slip | DebtSlip, back: str) -> HttpResponse:
    """Start an attempt and send the browser to the PSP's card page; card data never touches our pages."""
    try:
        started = payment_start(
            actor=Actor.from_request(request), payable=payable,
            callback_url=lambda order_id: request.build_absolute_uri(reverse("payments:callback", args=[order_id])),
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect(back)
    if started.redirect is None:
        messages.error(request, started.attempt.failure_reason)
        return redirect(back)
    return render(request, "payments/hand_off.html", {"redirect": started.redirect, "attempt": started.attempt})


@require_POST
@role_required(Role.INSURED)
def pay_slip(request: HttpRequest, number: str) -> HttpResponse:
    slip = selectors.slip_for_user_or_404(request.user, number)
    return hand_off(request, slip, reverse("insured:slip", args=[number]))


@require_POST
@role_required(Role.INSURED)
def pay_debt_slip(request: HttpRequest, number: str) -> HttpResponse:
    debt = get_object_or_404(DebtSlip, number=number, statement__contract__insured__user=request.user)
    return hand_off(request, debt, reverse("insured:home"))


# The PSP sends the browser back here. Not a form of ours, so there is no CSRF token to check; this is the
# one view on the CSRF allow-list (samt.tests checks that), and nothing it receives is trusted: it only
# tells us which attempt to ask the PSP about.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, order_id: str) -> HttpResponse:
    attempt = get_object_or_404(PaymentAttempt, order_id=order_id)
    fields = {**request.GET.dict(), **request.POST.dict()}
    hint = get_gateway().parse_callback(fields)
    record_event(attempt, PaymentEvent.Kind.CALLBACK, request.method,
                 {"token": hint.token, "ref_num": hint.ref_num, "fields": sorted(fields)})
    if hint.token and hint.token != attempt.token:
        # A callback naming another token is someone else's payment or a forgery: look at ours only.
        record_event(attempt, PaymentEvent.Kind.CALLBACK, "token_mismatch", {"token": hint.token})
    payment_drive(attempt)
    return redirect("payments:result", public_key=attempt.public_key, permanent=False)


def result(request: HttpRequest, public_key: str) -> HttpResponse:
    attempt = get_object_or_404(PaymentAttempt.objects.select_related("slip", "debt_slip"), public_key=public_key)
    context: dict[str, object] = {"attempt": attempt, "pending": attempt.state in PENDING_STATES,
                                  "pending_text": text.PENDING}
    if attempt.slip_id:
        context.update(slip_context(request, attempt.slip))
    return render(request, "payments/result.html", context)


def receipt_pdf(request: HttpRequest, public_key: str) -> HttpResponse:
    attempt = get_object_or_404(PaymentAttempt, public_key=public_key, state=State.SUCCEEDED)
    return receipt_pdf_response(request, attempt)
