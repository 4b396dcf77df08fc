"""The tester's side: a control page and a JSON test-control API for scenarios, the virtual clock, the ledger,
auto-reversal, reset, paying without the card page, and replaying a receipt on another order.

No login: these exist only where the simulator is mounted, which the system check keeps to DEBUG.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from payments.simulator import fixtures, ledger, services
from payments.simulator.callbacks import Callback, callback_for
from payments.simulator.forms import ScenarioForm, TerminalSettingsForm
from payments.simulator.inbound import json_body
from payments.simulator.models import DynamicPassword, Terminal, TestCard, Transaction
from samt.jalali import TEHRAN
from samt.persian import to_persian_digits

SETTINGS_SAVED = "تنظیمات پایانه {terminal} ذخیره شد."
CLOCK_MOVED = "ساعت مجازی پایانه {terminal} {minutes} دقیقه جلو رفت."
CLOCK_RESET = "ساعت مجازی پایانه {terminal} به زمان واقعی برگشت."
SWEPT = "{expired} نشست منقضی بسته شد و {reversed} پرداخت تأییدنشده برگشت خورد."
RESET_DONE = "همه تراکنش‌ها پاک شد و کارت‌ها و سناریوها به حالت اول برگشتند."
NOT_REPLAYABLE = "تراکنش مبدأ رسید دیجیتال (RefNum) ندارد."


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _terminal(terminal_id: str) -> Terminal:
    return get_object_or_404(Terminal, terminal_id=terminal_id)


def _transaction(token: str) -> Transaction:
    return get_object_or_404(Transaction.objects.select_related("terminal"), token=token or "")


def _settings_forms(
    terminal: Terminal, data: dict[str, Any] | None = None, *, prefix: bool = False
) -> tuple[TerminalSettingsForm, ScenarioForm]:
    scenario = services.scenario_of(terminal)
    return (TerminalSettingsForm(data, instance=terminal, prefix="terminal" if prefix else None),
            ScenarioForm(data, instance=scenario, prefix="scenario" if prefix else None))


def _replay(to_token: str, *, from_token: str = "", ref_num: str = "") -> Callback:
    """The return to `to_token`'s merchant carrying another payment's RefNum: receipt substitution (§6)."""
    target = _transaction(to_token)
    if from_token:
        ref_num = _transaction(from_token).ref_num or ""
        if not ref_num:
            raise ValueError(NOT_REPLAYABLE)
    return callback_for(target, ref_num=ref_num or None)


# Control page -------------------------------------------------------------------------------------------------


@require_GET
def control_page(request: HttpRequest) -> HttpResponse:
    """Shows the ledger as it stands. Looking changes nothing: the PSP's timers (closing expired sessions,
    reversing unverified payments) run from the page only by its POST button, or when the merchant calls the PSP."""
    panels = []
    for terminal in Terminal.objects.all():
        terminal_form, scenario_form = _settings_forms(terminal, prefix=True)
        panels.append({
            "terminal": terminal, "terminal_form": terminal_form, "scenario_form": scenario_form,
            "now": services.terminal_now(terminal),
            "offset_minutes": services.scenario_of(terminal).clock_offset_seconds // 60,
            "transactions": terminal.transactions.select_related("terminal")[:20],
        })
    return render(request, "psp_simulator/control.html", {"panels": panels})


@require_POST
def control_settings(request: HttpRequest, terminal_id: str) -> HttpResponse:
    terminal = _terminal(terminal_id)
    forms = _settings_forms(terminal, request.POST, prefix=True)
    if all(form.is_valid() for form in forms):
        for form in forms:
            form.save()
        messages.success(request, SETTINGS_SAVED.format(terminal=to_persian_digits(terminal.terminal_id)))
    else:
        for form in forms:
            for errors in form.errors.values():
                messages.error(request, " ".join(str(error) for error in errors))
    return redirect("psp_simulator:control")


@require_POST
def control_clock(request: HttpRequest, terminal_id: str) -> HttpResponse:
    terminal = _terminal(terminal_id)
    label = to_persian_digits(terminal.terminal_id)
    if "reset" in request.POST:
        services.clock_reset(terminal)
        messages.success(request, CLOCK_RESET.format(terminal=label))
    else:
        minutes = int(request.POST.get("minutes") or 0)
        services.clock_advance(terminal, minutes=minutes)
        messages.success(request, CLOCK_MOVED.format(terminal=label, minutes=to_persian_digits(minutes)))
    return redirect("psp_simulator:control")


@require_POST
def control_sweep(request: HttpRequest) -> HttpResponse:
    result = services.sweep_all()
    messages.success(request, SWEPT.format(expired=to_persian_digits(result.expired),
                                           reversed=to_persian_digits(result.auto_reversed)))
    return redirect("psp_simulator:control")


@require_POST
def control_reset(request: HttpRequest) -> HttpResponse:
    services.reset()
    messages.success(request, RESET_DONE)
    return redirect("psp_simulator:control")


@require_POST
def control_replay(request: HttpRequest) -> HttpResponse:
    """Sends this browser to the merchant with the chosen fields, as the PSP's receipt page would."""
    form = {name: request.POST.get(name, "").strip() for name in ("to_token", "from_token", "ref_num")}
    try:
        callback = _replay(form["to_token"], from_token=form["from_token"], ref_num=form["ref_num"])
    except (Http404, ValueError) as error:
        messages.error(request, str(error) if isinstance(error, ValueError) else "توکن پیدا نشد.")
        return redirect("psp_simulator:control")
    return render(request, "psp_simulator/callback_send.html", {"callback": callback})


# JSON test-control API ----------------------------------------------------------------------------------------


@require_GET
def api_token_state(request: HttpRequest, token: str) -> JsonResponse:
    txn = _transaction(token)
    services.sweep(txn.terminal)
    return _json(ledger.transaction_state(services.session_expire_if_due(txn)))


def _day(request: HttpRequest) -> date | None:
    text = request.GET.get("day")
    try:
        return date.fromisoformat(text) if text else None
    except ValueError as error:
        raise Http404("day must be YYYY-MM-DD") from error


@require_GET
def api_transactions(request: HttpRequest, terminal_id: str) -> JsonResponse:
    terminal = _terminal(terminal_id)
    services.sweep(terminal)
    found = ledger.transactions_on(terminal, _day(request))
    return _json([ledger.transaction_state(txn, with_events=False) for txn in found])


@require_GET
def api_settlement_csv(request: HttpRequest, terminal_id: str) -> HttpResponse:
    terminal = _terminal(terminal_id)
    services.sweep(terminal)
    day = _day(request) or services.terminal_now(terminal).astimezone(TEHRAN).date()
    response = HttpResponse(ledger.settlement_csv(ledger.transactions_on(terminal, day)),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="settlement-{terminal.terminal_id}-{day}.csv"'
    return response


@csrf_exempt
@require_POST
def api_settings(request: HttpRequest, terminal_id: str) -> JsonResponse:
    """Partial update: only the fields sent change. Accepts terminal settings and scenario knobs alike."""
    terminal = _terminal(terminal_id)
    changes = json_body(request) or {}
    current = {**model_to_dict(terminal), **model_to_dict(services.scenario_of(terminal))}
    forms = _settings_forms(terminal, {**current, **changes})
    errors = {name: list(field_errors) for form in forms for name, field_errors in form.errors.items()}
    if errors:
        return _json({"errors": errors}, status=400)
    for form in forms:
        form.save()
    return _json({name: value for form in forms for name, value in form.cleaned_data.items()})


@csrf_exempt
@require_POST
def api_clock(request: HttpRequest, terminal_id: str) -> JsonResponse:
    terminal = _terminal(terminal_id)
    payload = json_body(request) or {}
    if payload.get("reset"):
        services.clock_reset(terminal)
    else:
        services.clock_advance(terminal, minutes=float(payload.get("advance_minutes") or 0))
    scenario = services.scenario_of(terminal)
    return _json({"offset_seconds": scenario.clock_offset_seconds,
                  "now": services.terminal_now(terminal).isoformat(timespec="seconds")})


@csrf_exempt
@require_POST
def api_sweep(request: HttpRequest) -> JsonResponse:
    result = services.sweep_all()
    return _json({"expired": result.expired, "auto_reversed": result.auto_reversed})


@csrf_exempt
@require_POST
def api_reset(request: HttpRequest) -> JsonResponse:
    services.reset()
    return _json({"reset": True})


@csrf_exempt
@require_POST
def api_pay(request: HttpRequest) -> JsonResponse:
    """Pays a token with a test card, skipping the card page: the issuer's rules still apply."""
    payload = json_body(request) or {}
    txn = services.session_expire_if_due(_transaction(str(payload.get("token") or "")))
    card = get_object_or_404(TestCard, pan=str(payload.get("pan") or fixtures.CARDS[0]["pan"]))
    if txn.status != Transaction.Status.IN_PROGRESS:
        return _json(ledger.transaction_state(txn), status=409)
    return _json(ledger.transaction_state(services.charge(txn, card)))


@csrf_exempt
@require_POST
def api_replay(request: HttpRequest) -> JsonResponse:
    payload = json_body(request) or {}
    try:
        callback = _replay(str(payload.get("to_token") or ""), from_token=str(payload.get("from_token") or ""),
                           ref_num=str(payload.get("ref_num") or ""))
    except ValueError as error:
        return _json({"error": str(error)}, status=409)
    return _json(callback.as_dict())


@require_GET
def api_inbox(request: HttpRequest) -> JsonResponse:
    sent = DynamicPassword.objects.select_related("card")
    if request.GET.get("pan"):
        sent = sent.filter(card__pan=request.GET["pan"])
    return _json([
        {"pan": item.card.pan, "mobile": item.card.mobile, "code": item.code, "token": item.transaction.token,
         "expires_at": item.expires_at.isoformat(timespec="seconds"), "used": item.used_at is not None}
        for item in sent.select_related("transaction")[:30]
    ])
