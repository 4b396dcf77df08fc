"""Pay a slip without a login (clause 5's free choice of channel; clause 3's "any Shetab card").

Whoever holds a printed slip, a debt slip or its SMS link can pay it: the QR and the link carry the slip's
unguessable public code; a typed slip number needs the insured's national code too, because numbers are
sequential. The page shows only what a payer needs (masked name, months, amount, payable-until) and pays through
the same `hand_off` and state machine as the logged-in path. Every look-up counts against the client's address,
and a typed number also against that slip number, in the database (samt.throttle), so several app servers share
the counts. An unknown code and a mismatched number/national-code pair get the same message.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from insured.forms import VerifyForm
from insured.models import DebtSlip, DebtSlipStatus, Slip
from insured.rules import masked_name
from insured.selectors import payable_get_by_number, payable_get_by_public_code
from payments.views import hand_off
from samt.actors import Actor
from samt.throttle import TOO_MANY, request_allowed, throttle_hit

NOT_FOUND = (
    "برگی با این مشخصات پیدا نشد. شماره برگ و کد ملی بیمه‌شده را از روی برگ دوباره بخوانید، یا کد QR برگ را با "
    "دوربین تلفن باز کنید."
)


def lookup(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form}
    if request.method != "POST":
        return render(request, "payments/public/lookup.html", context)
    if not request_allowed(request, "pay_public"):
        context["refusal"] = TOO_MANY
        return render(request, "payments/public/lookup.html", context, status=429)
    if not form.is_valid():
        return render(request, "payments/public/lookup.html", context)
    number = form.cleaned_data["number"]
    # Per slip as well as per address: one slip number tried with many national codes from many addresses.
    if not throttle_hit(scope="pay_public_slip", key=f"number:{number}"):
        context["refusal"] = TOO_MANY
        return render(request, "payments/public/lookup.html", context, status=429)
    found = payable_get_by_number(number=number, national_code=form.cleaned_data["national_code"])
    if found is None:
        context["refusal"] = NOT_FOUND
        return render(request, "payments/public/lookup.html", context)
    return redirect("pay_public:slip", code=found.public_code)


def _refused(request: HttpRequest, refusal: str, status: int) -> HttpResponse:
    return render(request, "payments/public/lookup.html", {"form": VerifyForm(), "refusal": refusal}, status=status)


def _payable_or_refusal(request: HttpRequest, code: str) -> Slip | DebtSlip | HttpResponse:
    """The slip or debt slip behind a public code, or the page that says why not (too many tries, no such code)."""
    if not request_allowed(request, "pay_public"):
        return _refused(request, TOO_MANY, 429)
    found = payable_get_by_public_code(code=code)
    if found is None:
        return _refused(request, NOT_FOUND, 404)
    return found


def slip(request: HttpRequest, code: str) -> HttpResponse:
    found = _payable_or_refusal(request, code)
    if isinstance(found, HttpResponse):
        return found
    return render(request, "payments/public/slip.html", summary(found))


@require_POST
def pay(request: HttpRequest, code: str) -> HttpResponse:
    found = _payable_or_refusal(request, code)
    if isinstance(found, HttpResponse):
        return found
    if not throttle_hit(scope="pay_public_slip", key=f"pay:{found.public_code}"):
        return _refused(request, TOO_MANY, 429)
    # A signed-in person paying someone else's slip is still named in the audit trail.
    actor = Actor.from_request(request) if request.user.is_authenticated else Actor.public(request)
    return hand_off(request, found, reverse("pay_public:slip", args=[code]), actor=actor)


def summary(payable: Slip | DebtSlip) -> dict[str, object]:
    """Only what a payer needs: who (masked), what for, how much, until when, and whether it can be paid."""
    if isinstance(payable, Slip):
        person = payable.contract.insured
        return {"kind": "slip", "payable": payable, "holder": masked_name(person.first_name, person.last_name),
                "first_month": payable.first_month, "last_month": payable.last_month, "amount": payable.total,
                "payable_until": payable.payable_until, "status": payable.effective_status_label,
                "can_pay": payable.is_payable()}
    person = payable.statement.contract.insured
    return {"kind": "debt", "payable": payable, "holder": masked_name(person.first_name, person.last_name),
            "year": payable.statement.year, "amount": payable.amount, "status": payable.get_status_display(),
            "can_pay": payable.status == DebtSlipStatus.ISSUED}
