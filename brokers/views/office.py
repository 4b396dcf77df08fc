"""The broker office's pages, scoped to the operator's own office (HQ: its province) through samt.access."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from brokers import reports, selectors, services
from brokers.forms import MonthForm
from brokers.models import FeeRecord, tehran_today
from brokers.views.guards import broker_view
from insured.models import Slip
from insured.slip_documents import slip_context, slip_pdf_response
from samt.access import AuthenticatedRequest, office_for_user_or_404, visible_offices
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth
from samt.models import Role
from samt.pdf import pdf_response, render_pdf
from samt.persian_words import rials_in_words

operator_or_hq = broker_view(Role.BROKER_OPERATOR, Role.HQ, Role.BROKER_AFFAIRS)


@operator_or_hq
def home(request: AuthenticatedRequest) -> HttpResponse:
    if request.user.role != Role.BROKER_OPERATOR:
        return redirect("brokers:report")
    office = request.user.membership.office
    if office is None:
        raise PermissionDenied  # an operator always names their office (a check constraint); never reached
    return redirect("brokers:detail", code=office.code)


@operator_or_hq
def office_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    office = office_for_user_or_404(request.user, code)
    operators = office.memberships.select_related("user").order_by("user__last_name")
    try:
        tariff = services.tariff_in_force(tehran_today())
    except DomainError:
        tariff = None
    recent = selectors.broker_slips(request.user).filter(office=office)[:10]
    return render(request, "brokers/office_detail.html", {
        "office": office, "operators": operators, "tariff": tariff, "recent": recent,
        "cases": office.fault_cases.all()[:10] if request.user.role != Role.BROKER_OPERATOR else None,
    })


@operator_or_hq
def slip_list(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(selectors.broker_slips(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "brokers/slip_list.html", {"page": page})


def _pay_url(request: AuthenticatedRequest, slip: Slip) -> str | None:
    """The counter card payment is the payments app's; offered only where that view exists and may be used."""
    if request.user.role != Role.BROKER_OPERATOR or not slip.is_payable():
        return None
    try:
        return reverse("payments:pay_office_slip", args=[slip.number])
    except NoReverseMatch:
        return None


@operator_or_hq
def slip_detail(request: AuthenticatedRequest, number: str) -> HttpResponse:
    slip = selectors.slip_for_user_or_404(request.user, number)
    fee = FeeRecord.objects.filter(slip=slip).select_related("tariff", "operator").first()
    return render(request, "brokers/slip.html", {**slip_context(request, slip), "fee": fee,
                                                 "pay_url": _pay_url(request, slip)})


@operator_or_hq
def slip_pdf(request: AuthenticatedRequest, number: str) -> HttpResponse:
    slip = selectors.slip_for_user_or_404(request.user, number)
    if slip.office is not None:  # the operator's own slips, or HQ's view of an office's
        services.audit_print(actor=Actor.from_request(request), action="broker.slip_printed", slip=slip,
                             office=slip.office)
    return slip_pdf_response(request, slip)


@operator_or_hq
def fee_receipt_pdf(request: AuthenticatedRequest, number: str) -> HttpResponse:
    fee = selectors.fee_for_user_or_404(request.user, number)
    services.audit_print(actor=Actor.from_request(request), action="broker.fee_receipt_printed", slip=fee.slip,
                         office=fee.office, fee_receipt=fee.receipt_number)
    pdf = render_pdf("brokers/fee_receipt_pdf.html", {
        "fee": fee, "office": fee.office, "slip": fee.slip, "person": fee.slip.contract.insured,
        "tariff": fee.tariff, "amount_words": rials_in_words(fee.amount),
    })
    return pdf_response(pdf, f"fee-receipt-{fee.receipt_number}.pdf")


def _report_month(request: AuthenticatedRequest) -> tuple[MonthForm, JalaliMonth]:
    current = JalaliMonth.current()
    form = MonthForm(request.GET or None, initial={"month": current})
    month = form.cleaned_data["month"] if form.is_valid() else None
    return form, month or current


@operator_or_hq
def report(request: AuthenticatedRequest) -> HttpResponse:
    form, month = _report_month(request)
    rows = reports.office_month_report(visible_offices(request.user), month)
    return render(request, "brokers/report.html", {
        "form": form, "month": month, "rows": rows, "totals": reports.totals(rows),
        "previous": month.previous(), "next": month.next(),
    })


@operator_or_hq
def report_csv(request: AuthenticatedRequest) -> HttpResponse:
    _, month = _report_month(request)
    return reports.report_csv_response(reports.office_month_report(visible_offices(request.user), month), month)
