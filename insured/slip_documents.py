"""What a slip page and the printed slip show, whichever channel asks for them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from insured.models import DebtSlip, Slip
from samt.pdf import pdf_response, render_pdf
from samt.persian_words import rials_in_words
from samt.qr import qr_svg


def public_verify_url(request: HttpRequest, payable: Slip | DebtSlip) -> str:
    """The address a slip's QR and link carry: its unguessable public code, never its sequential number."""
    return request.build_absolute_uri(f"{reverse('insured_public:verify')}?code={payable.public_code}")


def slip_context(request: HttpRequest, slip: Slip) -> dict[str, object]:
    verify_url = public_verify_url(request, slip)
    return {
        "slip": slip,
        "lines": slip.lines.all(),
        "contract": slip.contract,
        "person": slip.contract.insured,
        "total_words": rials_in_words(slip.total),
        "qr": qr_svg(verify_url, scale=3),
        "verify_url": verify_url,
    }


def slip_pdf_response(request: HttpRequest, slip: Slip) -> HttpResponse:
    pdf = render_pdf("insured/slips/slip_pdf.html", slip_context(request, slip))
    return pdf_response(pdf, f"slip-{slip.number}.pdf")
