"""The insured's yearly statements (گردش حساب): each paid month line by line, the debt slip to pay online, and
a "this is not right" objection that goes to their branch."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from insured import selectors, services
from insured.forms import ObjectionForm
from insured.models import AccountStatement, DebtSlipStatus
from samt.access import AuthenticatedRequest, role_required
from samt.actors import Actor
from samt.errors import DomainError
from samt.models import Role

OBJECTION_RECORDED = "اعتراض شما ثبت شد و در فهرست کارهای {branch} قرار گرفت؛ پاسخ شعبه همین‌جا نشان داده می‌شود."


@role_required(Role.INSURED)
def statement_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "insured/statements/list.html",
                  {"statements": selectors.statements_for_user(request.user)})


def _page(request: HttpRequest, statement: AccountStatement, form: ObjectionForm | None = None) -> HttpResponse:
    return render(request, "insured/statements/detail.html", {
        "statement": statement, "lines": statement.lines.all(),
        "open_debt_slip": statement.debt_slips.filter(status=DebtSlipStatus.ISSUED).first(),
        "paid_debt_slip": statement.debt_slips.filter(status=DebtSlipStatus.PAID).first(),
        "objections": statement.objections.order_by("created_at"),
        "form": form or ObjectionForm(),
    })


@role_required(Role.INSURED)
def statement_detail(request: AuthenticatedRequest, number: str, year: int) -> HttpResponse:
    return _page(request, selectors.statement_for_user_or_404(request.user, number, year))


@require_POST
@role_required(Role.INSURED)
def statement_object(request: AuthenticatedRequest, number: str, year: int) -> HttpResponse:
    statement = selectors.statement_for_user_or_404(request.user, number, year)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        return _page(request, statement, form)
    try:
        services.objection_record(actor=Actor.from_request(request), statement=statement,
                                  text=form.cleaned_data["text"])
    except DomainError as refusal:
        form.add_error("text", refusal.message)
        return _page(request, statement, form)
    messages.success(request, OBJECTION_RECORDED.format(branch=statement.contract.insured.branch.name))
    return redirect("insured:statement", number=number, year=year)
