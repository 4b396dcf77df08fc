"""The pages a payer sees at the "bank": the card page, the PSP's receipt page, the SMS inbox, and the help page.

They look like a bank's pages, not the portal's: the payer has left our site here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from payments.simulator import services
from payments.simulator.callbacks import callback_for
from payments.simulator.fixtures import TERMINAL_ID
from payments.simulator.forms import CardForm, DynamicPasswordForm
from payments.simulator.inbound import request_facts
from payments.simulator.models import DynamicPassword, Scenario, Terminal, TestCard, Transaction
from payments.simulator.services import CardError, log_event
from samt.persian import normalize_digits, to_persian_digits

REFERER_MISSING = "خطای آدرس ارجاع دهنده دریافت نشد"
TOKEN_NOT_FOUND = "توکن ارسال شده یافت نشد."
ENTER_FROM_MERCHANT = "برای پرداخت از سایت پذیرنده وارد شوید."
# The number is isolated left-to-right (LRI…PDI) so the masked digits are not reordered inside Persian text.
DYNAMIC_PASSWORD_SENT = "رمز پویا به شماره همراه \u2066{mobile}\u2069 پیامک شد."
# The receipt page waits this long before sending the browser back, as SEP's does; a scenario adds its delay.
RECEIPT_PAGE_SECONDS = 5

Status = Transaction.Status


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "psp_simulator/error.html", {"message": message}, status=status)


# Entry from the merchant (payments.md §2.2) -------------------------------------------------------------------


@csrf_exempt  # the merchant's page posts here from another site
@require_POST
def payment_page(request: HttpRequest) -> HttpResponse:
    return _enter(request, request.POST.get("Token") or request.POST.get("token") or "")


@csrf_exempt  # the merchant's page posts here from another site
@require_POST
def mellat_payment_page(request: HttpRequest) -> HttpResponse:
    """Mellat's startpay page: the merchant's form posts RefId (and optionally MobileNo)."""
    return _enter(request, request.POST.get("RefId") or request.POST.get("refid") or "")


@require_GET
def send_token(request: HttpRequest) -> HttpResponse:
    return _enter(request, request.GET.get("token") or request.GET.get("Token") or "")


def _enter(request: HttpRequest, token: str) -> HttpResponse:
    txn = Transaction.objects.select_related("terminal").filter(token=token).first()
    terminal = txn.terminal if txn else None
    log_event("payment_page", terminal=terminal, txn=txn, payload={"Token": token}, **request_facts(request))
    # SEP refuses a payer who arrives without a Referer (az-iranian-bank-gateways#109): a portal with
    # Django's default referrer policy fails here, locally, instead of on the first real payment.
    if not request.META.get("HTTP_REFERER"):
        return _error(request, REFERER_MISSING, 400)
    if txn is None:
        return _error(request, TOKEN_NOT_FOUND, 404)
    services.card_page_opened(txn)
    return redirect("psp_simulator:card_page", token=txn.token)


# Card page ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def card_page(request: HttpRequest, token: str) -> HttpResponse:
    txn = services.session_expire_if_due(get_object_or_404(Transaction, token=token))
    if txn.opened_at is None:
        return _error(request, ENTER_FROM_MERCHANT, 403)
    if txn.status != Status.IN_PROGRESS:
        return redirect("psp_simulator:receipt_page", token=token)
    action = request.POST.get("action") if request.method == "POST" else None
    if action:
        _log_submission(request, txn, action)
    if action == "cancel":
        services.card_cancel(txn)
        return redirect("psp_simulator:receipt_page", token=token)
    if action == "otp":
        return _send_dynamic_password(request, txn)
    form = CardForm(request.POST if action == "pay" else None)
    if form.is_bound and form.is_valid():
        try:
            services.card_pay(txn, **form.cleaned_data)
            return redirect("psp_simulator:receipt_page", token=token)
        except CardError as error:
            if services.session_expire_if_due(txn).status != Status.IN_PROGRESS:
                return redirect("psp_simulator:receipt_page", token=token)  # e.g. the card was just locked
            form.add_error(None, error.message)
    return _render_card_page(request, txn, form)


def _log_submission(request: HttpRequest, txn: Transaction, action: str) -> None:
    # The ledger keeps what was asked, never the card's secrets: no CVV2, no PIN2, a masked number only.
    pan = normalize_digits(request.POST.get("pan", "")).replace(" ", "")
    masked = f"{pan[:6]}******{pan[-4:]}" if len(pan) >= 10 else ""
    log_event("card_page", terminal=txn.terminal, txn=txn, payload={"action": action, "pan": masked},
              **request_facts(request))


def _send_dynamic_password(request: HttpRequest, txn: Transaction) -> HttpResponse:
    asked = DynamicPasswordForm(request.POST)
    # Keep what was typed, without flagging the fields the payer has not filled in yet.
    typed = {name: request.POST.get(name, "") for name in ("pan", "cvv2", "expiry_month", "expiry_year")}
    form = CardForm(initial=typed)
    if not asked.is_valid():
        return _render_card_page(request, txn, form, errors=[str(error) for error in asked.errors["pan"]])
    try:
        sent = services.dynamic_password_issue(txn, asked.cleaned_data["pan"])
    except CardError as error:
        return _render_card_page(request, txn, form, errors=[error.message])
    notice = DYNAMIC_PASSWORD_SENT.format(mobile=to_persian_digits(_masked_mobile(sent.card.mobile)))
    seconds = int((sent.expires_at - sent.issued_at).total_seconds())
    return _render_card_page(request, txn, form, notice=notice, otp_seconds=seconds)


def _masked_mobile(mobile: str) -> str:
    return f"{mobile[:4]}***{mobile[-4:]}"


def _render_card_page(request: HttpRequest, txn: Transaction, form: CardForm, *, errors: list[str] | None = None,
                      notice: str = "", otp_seconds: int = 0) -> HttpResponse:
    remaining = max(int((txn.expires_at - services.terminal_now(txn.terminal)).total_seconds()), 0)
    return render(request, "psp_simulator/card_page.html", {
        "txn": txn, "form": form, "remaining_seconds": remaining, "notice": notice, "otp_seconds": otp_seconds,
        "page_errors": errors or form.non_field_errors(),
    })


# The PSP's receipt, then the way back to the merchant (§2.3) --------------------------------------------------


@require_GET
def receipt_page(request: HttpRequest, token: str) -> HttpResponse:
    txn = get_object_or_404(Transaction.objects.select_related("terminal"), token=token)
    if txn.status == Status.IN_PROGRESS:
        return redirect("psp_simulator:card_page", token=token)
    scenario = services.scenario_of(txn.terminal)
    dropped = scenario.callback_mode == Scenario.CallbackMode.DROP
    return render(request, "psp_simulator/receipt.html", {
        "txn": txn,
        "paid": txn.ref_num is not None,
        "callback": None if dropped else callback_for(txn, tamper=scenario.callback_tamper),
        "callback_mode": scenario.callback_mode,
        "return_seconds": RECEIPT_PAGE_SECONDS + scenario.callback_delay_seconds,
    })


# Inbox and help -----------------------------------------------------------------------------------------------


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    sent = DynamicPassword.objects.select_related("card")
    mobile = request.GET.get("to", "").strip()
    if mobile:
        sent = sent.filter(card__mobile=mobile)
    return render(request, "psp_simulator/inbox.html", {"messages_sent": sent[:30], "mobile": mobile})


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "psp_simulator/help.html", {
        "terminals": Terminal.objects.all(),
        "cards": TestCard.objects.all(),
        "fixture_terminal": TERMINAL_ID,
        "base_url": request.build_absolute_uri("/psp").rstrip("/"),
    })
