"""Paying a slip or a debt slip by card: the hand-off to the PSP, the way back, and the outcome."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from insured import selectors
from insured.models import DebtSlip, Slip
from insured.slip_documents import slip_context
from payments import messages as text
from payments import selectors as payment_selectors
from payments.forms import GatewayReportForm, ReviewCloseForm, jalali_text
from payments.gateways.base import GatewayError
from payments.gateways.registry import psp_labels
from payments.models import UNRESOLVED_STATES, PaymentAttempt, PaymentEvent, State
from payments.receipts import receipt_pdf_response
from payments.selectors import payment_get_for_viewer, payment_holding, payment_notice, payment_session_bind
from payments.services import (
    BRANCH_COUNTER_ROLES,
    gateway_for,
    payment_drive,
    payment_record_callback,
    payment_review_close,
    payment_start,
    record_event,
)
from samt.access import AuthenticatedRequest, branch_for_user_or_404, get_scoped_or_404, role_required
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import TEHRAN
from samt.models import HQ_ROLES, OfficeStatus, Role
from samt.persian import normalize_digits
from samt.service_calls import call_service
from samt.throttle import TOO_MANY, request_allowed

# Ended without money kept: the payer may pay the slip again, if nothing else holds it and it is still payable.
AGAIN_STATES = {State.FAILED, State.EXPIRED, State.REJECTED, State.REVERSED, State.REFUNDED}


def hand_off(request: HttpRequest, payable: Slip | DebtSlip, back: str, *, actor: Actor | None = None
             ) -> HttpResponse:
    """Start an attempt and send the browser to the PSP's card page; card data never touches our pages."""
    try:
        started = payment_start(
            actor=actor or Actor.from_request(request), payable=payable,
            callback_url=lambda order_id: request.build_absolute_uri(reverse("payments:callback", args=[order_id])),
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect(back)
    payment_session_bind(request, started.attempt)
    if started.redirect is None:
        messages.error(request, started.attempt.failure_reason)
        return redirect(back)
    return render(request, "payments/hand_off.html", {"redirect": started.redirect, "attempt": started.attempt})


@require_POST
@role_required(Role.INSURED)
def pay_slip(request: AuthenticatedRequest, number: str) -> HttpResponse:
    slip = selectors.slip_for_user_or_404(request.user, number)
    return hand_off(request, slip, reverse("insured:slip", args=[number]))


@require_POST
@role_required(Role.INSURED)
def pay_debt_slip(request: AuthenticatedRequest, number: str) -> HttpResponse:
    debt = get_object_or_404(DebtSlip, number=number, statement__contract__insured__user=request.user)
    return hand_off(request, debt, reverse("insured:home"))


@require_POST
@role_required(Role.BROKER_OPERATOR)
def pay_office_slip(request: AuthenticatedRequest, number: str) -> HttpResponse:
    """The insured pays at the broker's counter, on the PSP's own page, a slip this office issued (issue 7).

    brokers/ may not import payments, so the counter's payment lives here; the slip is found only through the
    operator's own office (samt.access), and an office whose licence is suspended or revoked takes no money.
    """
    slip = get_scoped_or_404(Slip.objects.select_related("office"), request.user, office_path="office",
                             number=number)
    office = slip.office
    if office is None or office.status != OfficeStatus.ACTIVE:
        status = office.get_status_display() if office else ""
        message = text.OFFICE_NOT_ACTIVE.format(status=status)
        return render(request, "payments/refused.html", {"message": message}, status=403)
    return hand_off(request, slip, broker_slip_url(number))


@require_POST
@role_required(*BRANCH_COUNTER_ROLES)
def pay_branch_slip(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    """A slip of this branch's insured, paid by card on the counter's kiosk (clause 5: the branch is a channel too).

    branches/ may not import payments, so the kiosk's payment lives here; the slip is found only inside the
    staff member's own branch (samt.access), and the way back is the branch's page for the slip.
    """
    branch = branch_for_user_or_404(request.user, code)
    slip = get_scoped_or_404(Slip.objects.all(), request.user, branch_path="contract__insured__branch",
                             number=number, contract__insured__branch=branch)
    return hand_off(request, slip, branch_slip_url(branch.code, slip))


@require_POST
@role_required(*BRANCH_COUNTER_ROLES)
def pay_branch_debt_slip(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    debt = get_scoped_or_404(DebtSlip.objects.all(), request.user, branch_path="statement__contract__insured__branch",
                             number=number, statement__contract__insured__branch=branch)
    return hand_off(request, debt, branch_slip_url(branch.code, debt))


def branch_slip_url(code: str, payable: Slip | DebtSlip) -> str:
    """The branch's own page for the slip (branches/ owns it)."""
    if isinstance(payable, Slip):
        return reverse("branches:counter_slip", args=[code, payable.number])
    return reverse("branches:debt_slip", args=[code, payable.number])


def broker_slip_url(number: str) -> str:
    """The operator's way back to the slip they took payment for (brokers/ owns that page)."""
    return reverse("brokers:slip", args=[number])


# The PSP sends the browser back here. Not a form of ours, so there is no CSRF token to check; this view is on
# the CSRF allow-list (payments/tests/test_csrf_allow_list.py), and nothing it receives is trusted: it only
# tells us which attempt to ask the PSP about, and that attempt is named by our own order number in the path.
# A callback that does not carry the token the PSP gave this very order is not the PSP's: it drives nothing,
# reveals nothing (the unknown-order page), and a GET from it writes nothing (a POST leaves one bounded event,
# kept as evidence of a forgery). Every call counts against the caller's address.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, order_id: str) -> HttpResponse:
    if not request_allowed(request, "payment_callback"):
        return render(request, "payments/refused.html", {"message": TOO_MANY}, status=429)
    attempt = get_object_or_404(PaymentAttempt, order_id=order_id[:20])
    fields = {**request.GET.dict(), **request.POST.dict()}
    try:
        hint = gateway_for(attempt).parse_callback(fields)
    except GatewayError:
        hint = None
    if hint is None or not attempt.token or hint.token != attempt.token:
        if request.method == "POST":
            record_event(attempt, PaymentEvent.Kind.CALLBACK, "foreign", {"fields": callback_record(fields)})
        raise Http404
    # Stored first, before anything acts on it (payments.md §8, "verify, store, acknowledge, then process").
    payment_record_callback(attempt, request.method or "", callback_record(fields), hint)
    payment_drive(attempt, hint=hint)
    return redirect("payments:result", public_key=attempt.public_key, permanent=False)


# A card number in any field of a callback (PSPs send only a masked one; a forger may send anything) is masked
# before it is stored: 13 to 19 digits standing alone, possibly grouped by spaces or dashes (a token or a bank
# reference that happens to hold a run of digits among letters is left alone).
_CARD_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z])")
CALLBACK_FIELDS_KEPT, CALLBACK_VALUE_LENGTH = 30, 200


def callback_record(fields: dict[str, str]) -> dict[str, str]:
    """The callback as it came, bounded in size, with anything that looks like a card number masked."""
    kept = sorted(fields.items())[:CALLBACK_FIELDS_KEPT]
    return {name[:64]: _CARD_NUMBER.sub(_masked, value[:CALLBACK_VALUE_LENGTH]) for name, value in kept}


def _masked(found: re.Match[str]) -> str:
    digits = re.sub(r"[^0-9]", "", found.group())
    return f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"


# A payer may open these without a login (a session that started the payment): no cache keeps them, logged in or not.
@never_cache
def result(request: HttpRequest, public_key: str) -> HttpResponse:
    if not request_allowed(request, "payment_result"):
        return render(request, "payments/refused.html", {"message": TOO_MANY}, status=429)
    attempt = payment_get_for_viewer(request, public_key)
    again = attempt.state in AGAIN_STATES and payment_holding(attempt.payable) is None
    context: dict[str, object] = {"attempt": attempt, "notice": payment_notice(attempt),
                                  "pending": attempt.state in UNRESOLVED_STATES}
    if attempt.started_by_id is None:
        # Paid without a login from the pay-a-slip page: back to that page, which says whether it is paid now.
        context["public_url"] = reverse("pay_public:slip", args=[attempt.payable.public_code])
        context["pay_again"] = again
    if attempt.branch is not None:
        # Paid on the branch counter's kiosk: staff go back to the branch's page for this slip.
        context["branch_slip_url"] = branch_slip_url(attempt.branch.code, attempt.payable)
    slip = attempt.slip
    if slip is not None:
        context.update(slip_context(request, slip))
        if attempt.started_by_id is None:
            context["pay_again"] = context["pay_again"] and slip.is_payable()
        elif attempt.branch_id:
            pass  # the branch's slip page offers the kiosk again
        elif attempt.office_id:
            # Paid at a broker's counter: the operator goes back to the office's page for this slip.
            context["broker_slip_url"] = broker_slip_url(slip.number)
        else:
            context["slip_url"] = reverse("insured:slip", args=[slip.number])
            # Nothing was taken (or it is on its way back) and the slip can still be paid: say so plainly.
            context["pay_again"] = again and slip.is_payable()
    return render(request, "payments/result.html", context)


@role_required(Role.INSURED)
def slip_receipt(request: AuthenticatedRequest, number: str) -> HttpResponse:
    """From a paid slip of one's own to the payment that paid it (insured/ links here without importing us)."""
    slip = selectors.slip_for_user_or_404(request.user, number)
    attempt = get_object_or_404(PaymentAttempt, slip=slip, state=State.SUCCEEDED)
    return redirect("payments:result", public_key=attempt.public_key)


@role_required(Role.BROKER_OPERATOR, *HQ_ROLES)
def office_slip_receipt(request: AuthenticatedRequest, number: str) -> HttpResponse:
    """From a slip this office issued, once paid (at its counter or by the insured), to the payment's receipt:
    the office's slip page links here, as brokers/ may not name payments (issue 15)."""
    slip = get_scoped_or_404(Slip.objects.all(), request.user, office_path="office", number=number)
    attempt = get_object_or_404(PaymentAttempt, slip=slip, state=State.SUCCEEDED)
    return redirect("payments:result", public_key=attempt.public_key)


@never_cache
def receipt_pdf(request: HttpRequest, public_key: str) -> HttpResponse:
    if not request_allowed(request, "payment_result"):
        return render(request, "payments/refused.html", {"message": TOO_MANY}, status=429)
    attempt = payment_get_for_viewer(request, public_key)
    if attempt.state != State.SUCCEEDED:
        # Only a payment the bank confirmed and the slip took has a receipt; its payer reads why there is none.
        return render(request, "payments/receipt_refused.html",
                      {"attempt": attempt, "notice": payment_notice(attempt)}, status=404)
    return receipt_pdf_response(request, attempt)


# HQ: the gateways' daily figures ------------------------------------------------------------------------------

REPORT_DAYS = 7
CSV_HEADER = ["روز (شمسی)", "روز (میلادی)", "درگاه", "کد درگاه", "پایانه", "تلاش‌ها", "موفق", "ناموفق", "نیمه‌تمام",
              "واگذارشده از درگاه دیگر", "مبلغ موفق (ریال)", "مبلغ تلاش‌ها (ریال)", "علت ناموفق", "تعداد با این علت"]


def _report_period(request: HttpRequest) -> tuple[GatewayReportForm, date, date]:
    today = timezone.localdate(timezone=TEHRAN)
    first = today - timedelta(days=REPORT_DAYS - 1)
    form = GatewayReportForm(request.GET or None, initial={"first": first, "last": today})
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["first"], form.cleaned_data["last"]
    return form, first, today


@role_required(Role.HQ, Role.HQ_TECHNICAL)
def gateway_report(request: AuthenticatedRequest) -> HttpResponse:
    form, first, last = _report_period(request)
    rows = payment_selectors.gateway_days(payment_selectors.attempts_visible_to(request.user), first, last)
    totals = {name: sum(getattr(row, name) for row in rows)
              for name in ("attempts", "succeeded", "failed", "unfinished", "failovers", "amount_succeeded")}
    return render(request, "payments/gateway_report.html", {
        "form": form, "rows": rows, "totals": totals, "first": first, "last": last,
        "csv_query": f"first={first.isoformat()}&last={last.isoformat()}",
    })


@role_required(Role.HQ, Role.HQ_TECHNICAL)
def gateway_report_csv(request: AuthenticatedRequest) -> HttpResponse:
    _, first, last = _report_period(request)
    rows = payment_selectors.gateway_days(payment_selectors.attempts_visible_to(request.user), first, last)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gateways-{first.isoformat()}-{last.isoformat()}.csv"'
    response.write("\ufeff")  # the byte-order mark tells Excel the file is UTF-8
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for row in rows:
        # One line per failure reason (or one line with none), ASCII digits, so a spreadsheet can add them up.
        common = [jalali_text(row.day), row.day.isoformat(), row.psp_label, row.psp, row.terminal_id, row.attempts,
                  row.succeeded, row.failed, row.unfinished, row.failovers, row.amount_succeeded,
                  row.amount_attempted]
        for reason, count in sorted(row.failures.items()) or [("", 0)]:
            writer.writerow([*common, reason, count])
    return response


# HQ: an expert's file on one payment, and closing a manual review ---------------------------------------------

REVIEW_CLOSED = ("بررسی پرداخت بسته شد و پیامک آن برای بیمه‌شده فرستاده می‌شود. برگ، اگر مهلتش نگذشته باشد، دوباره "
                 "قابل پرداخت است.")


REVIEW_NOT_FOUND = ("پرداختی با این شماره سفارش در حوزه شما پیدا نشد. شماره را از پیامک یا رسید بیمه‌شده دوباره "
                    "بخوانید؛ شماره سفارش ۱۸ رقم است.")


@login_required
@require_http_methods(["GET"])
def review_find(request: AuthenticatedRequest) -> HttpResponse:
    """The number a payer quotes (in Persian or Latin digits, with spaces or dashes) to the expert's file on it;
    a payment outside the reader's scope is "not found", as an unknown one is."""
    order_id = re.sub(r"\D", "", normalize_digits(request.GET.get("order", "")))
    try:
        attempt = payment_selectors.payment_for_review_or_404(request.user, order_id)
    except Http404:
        messages.error(request, REVIEW_NOT_FOUND)
        return redirect("samt:home")
    return redirect("payments:review", order_id=attempt.order_id)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: AuthenticatedRequest, order_id: str) -> HttpResponse:
    """What happened to one payment, from its event log, and what its payer was told; for a manual review, the
    form by which the expert records what the bank said. Another province's payment and any other role get 404
    (payment_for_review_or_404), so an order number reveals nothing."""
    attempt = payment_selectors.payment_for_review_or_404(request.user, order_id)
    form = ReviewCloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        closed = call_service(request, payment_review_close, attempt=attempt, success=REVIEW_CLOSED,
                              **form.cleaned_data)
        if closed is not None:
            return redirect("payments:review", order_id=attempt.order_id)
    lines = payment_selectors.payment_event_lines(attempt)
    return render(request, "payments/review.html", {
        "attempt": attempt, "person": payment_selectors.payment_payer(attempt), "form": form, "lines": lines,
        "notice": payment_notice(attempt), "money_kept": payment_selectors.payment_money_kept(attempt),
        "bank_said": [line for line in lines if line.from_bank][-1:],
        "psp_label": psp_labels().get(attempt.psp, attempt.psp),
        "open": attempt.state == State.MANUAL_REVIEW,
    })
