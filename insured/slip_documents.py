"""What a slip page and the printed slip show, whichever channel asks for them."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from insured.models import DebtSlip, Slip
from samt.pdf import pdf_response, render_pdf
from samt.persian_words import rials_in_words
from samt.qr import qr_svg_when_shown


def public_verify_url(request: HttpRequest, payable: Slip | DebtSlip) -> str:
    """The address a slip's QR and link carry: its unguessable public code, never its sequential number."""
    return request.build_absolute_uri(f"{reverse('insured_public:verify')}?code={payable.public_code}")


def public_pay_path(payable: Slip | DebtSlip) -> str:
    """The pay-a-slip page of this slip or debt slip, opened by its unguessable code, no login (payments/ serves
    it; named here by URL so insured/ does not import payments)."""
    return reverse("pay_public:slip", args=[payable.public_code])


def public_pay_url(request: HttpRequest, payable: Slip | DebtSlip) -> str:
    """What the printed QR and the link under it carry."""
    return request.build_absolute_uri(public_pay_path(payable))


def pay_link(payable: Slip | DebtSlip) -> str:
    """The same address for an SMS, built without a request from SITE_URL."""
    return f"{settings.SAMT_SITE_URL}{public_pay_path(payable)}"


def pay_qr_context(request: HttpRequest, payable: Slip | DebtSlip) -> dict[str, str]:
    url = public_pay_url(request, payable)
    return {"public_pay_url": url, "public_pay_qr": qr_svg_when_shown(url, scale=3)}


def slip_context(request: HttpRequest, slip: Slip) -> dict[str, object]:
    verify_url = public_verify_url(request, slip)
    return {
        **pay_qr_context(request, slip),
        "slip": slip,
        "lines": slip.lines.all(),
        "contract": slip.contract,
        "person": slip.contract.insured,
        "total_words": rials_in_words(slip.total),
        "qr": qr_svg_when_shown(verify_url, scale=3),
        "verify_url": verify_url,
    }


def slip_pdf_response(request: HttpRequest, slip: Slip) -> HttpResponse:
    pdf = render_pdf("insured/slips/slip_pdf.html", slip_context(request, slip))
    return pdf_response(pdf, f"slip-{slip.number}.pdf")
