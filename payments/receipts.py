"""The payment receipt (رسید پرداخت): the bank's references beside the months the payment covered."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from insured.models import Slip
from insured.slip_documents import public_verify_url
from payments.models import PaymentAttempt
from samt.pdf import pdf_response, render_pdf
from samt.persian_words import rials_in_words
from samt.qr import qr_svg


def receipt_context(request: HttpRequest, attempt: PaymentAttempt) -> dict[str, object]:
    payable = attempt.payable
    verify_url = public_verify_url(request, payable)
    return {
        "attempt": attempt,
        "payable": payable,
        "slip": attempt.slip,
        "lines": payable.lines.all() if isinstance(payable, Slip) else [],
        "person": payable.contract.insured if isinstance(payable, Slip) else payable.statement.contract.insured,
        "amount_words": rials_in_words(attempt.amount_rial),
        "verify_url": verify_url,
        "qr": qr_svg(verify_url, scale=3),
    }


def receipt_pdf_response(request: HttpRequest, attempt: PaymentAttempt) -> HttpResponse:
    pdf = render_pdf("payments/receipt_pdf.html", receipt_context(request, attempt))
    return pdf_response(pdf, f"receipt-{attempt.order_id}.pdf")
