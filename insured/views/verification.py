"""Public verification of a slip or debt slip: anyone holding a printed slip can check it.

The QR and the link on a slip carry its unguessable public code. A typed slip number alone would let anyone walk
the sequential numbers, so a typed number needs the payer's national code as well; and every check counts
against the client's address (samt.throttle), whichever way it is asked.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from insured.forms import VerifyForm
from insured.models import PUBLIC_CODE_LENGTH, DebtSlip, Slip
from insured.rules import masked_name
from insured.selectors import debt_slip_get_by_public_code, payable_get_by_number, slip_get_by_public_code
from samt.throttle import TOO_MANY, request_allowed

NOT_FOUND = (
    "برگی با این مشخصات در سامانه نیست. شماره برگ و کد ملی پرداخت‌کننده را از روی برگ دوباره بخوانید."
)


def _by_code(code: str) -> Slip | DebtSlip | None:
    if not code or len(code) > PUBLIC_CODE_LENGTH:
        return None
    return slip_get_by_public_code(code=code) or debt_slip_get_by_public_code(code=code)


def verify(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()
    asked = bool(code) or "number" in request.GET
    form = VerifyForm(None if code or not asked else request.GET)
    context: dict[str, object] = {"form": form}
    if asked and not request_allowed(request, "verify"):
        context["not_found"] = TOO_MANY
        return render(request, "insured/verify.html", context, status=429)
    if code:
        found = _by_code(code)
    elif form.is_valid():
        found = payable_get_by_number(number=form.cleaned_data["number"],
                                      national_code=form.cleaned_data["national_code"])
    else:
        return render(request, "insured/verify.html", context)
    if found is None:
        context["not_found"] = NOT_FOUND
        return render(request, "insured/verify.html", context)
    if isinstance(found, Slip):
        person = found.contract.insured
        context.update(slip=found, lines=found.lines.all())
    else:
        person = found.statement.contract.insured
        context.update(debt=found)
    context["holder"] = masked_name(person.first_name, person.last_name)
    return render(request, "insured/verify.html", context)
