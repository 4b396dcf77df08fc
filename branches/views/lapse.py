"""Lapse and return at the branch (domain.md §3): staff prepare the one-time four-month extension, the head
(another person) approves or rejects it, and a lapsed person gets a new contract that keeps their history.
Objections to statements are answered here too. Every change goes through insured's services."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from branches.forms.lapse import DecisionForm, NewContractForm, ReasonForm
from branches.views.registry import REGISTRY_EDITORS, _contract_or_404
from insured import lapse, ledger, rules, services
from insured.models import ContractStatus, LapseExtension, StatementObjection
from samt.access import AuthenticatedRequest, branch_for_user_or_404, get_scoped_or_404, role_required
from samt.formatting import fa_digits as fa
from samt.jalali import JalaliMonth
from samt.models import Role
from samt.service_calls import call_service

EXTENSION_REQUESTED = "مهلت چهارماهه برای قرارداد {number} تهیه شد و منتظر تأیید رئیس شعبه است."
EXTENSION_APPROVED = "مهلت چهارماهه قرارداد {number} تأیید شد؛ بیمه‌شده اکنون می‌تواند برگ ماه‌های مانده را صادر کند."
EXTENSION_REJECTED = "مهلت چهارماهه قرارداد {number} رد شد."
CONTRACT_RENEWED = ("قرارداد تازه {new} بسته شد؛ قرارداد {old} با ماه‌های پرداخت‌شده‌اش در پرونده ماند و نام کاربری "
                    "بیمه‌شده همان است.")
OBJECTION_ANSWERED = "پاسخ شعبه ثبت شد و بیمه‌شده آن را کنار گردش حساب خود می‌بیند."


def _to_person(contract_insured_pk: int, code: str) -> HttpResponse:
    return redirect("branches:insured_detail", code=code, pk=contract_insured_pk)


def _with_reason(request: AuthenticatedRequest, missing: str, act: Callable[[str], object]) -> None:
    """Runs the use case with the reason the staff wrote, or says in Persian that the reason is missing."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        act(form.cleaned_data["reason"])
    else:
        messages.error(request, missing)


@role_required(*REGISTRY_EDITORS)
@require_POST
def extension_request(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    contract = _contract_or_404(request.user, branch, number)
    _with_reason(request, lapse.REASON_REQUIRED, lambda reason: call_service(
        request, lapse.extension_request, contract=contract, reason=reason,
        success=EXTENSION_REQUESTED.format(number=fa(contract.number))))
    return _to_person(contract.insured_id, branch.code)


@role_required(Role.BRANCH_HEAD)
@require_POST
def extension_decide(request: AuthenticatedRequest, code: str, pk: int) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    extension = get_scoped_or_404(LapseExtension.objects.select_related("contract__insured__branch"), request.user,
                                  branch_path="contract__insured__branch", pk=pk, contract__insured__branch=branch)
    form = DecisionForm(request.POST)
    number = fa(extension.contract.number)
    if not form.is_valid():
        messages.error(request, "تأیید یا رد را انتخاب کنید.")
    elif form.cleaned_data["decision"] == "approve":
        call_service(request, lapse.extension_approve, extension=extension, note=form.cleaned_data["note"],
                     success=EXTENSION_APPROVED.format(number=number))
    else:
        call_service(request, lapse.extension_reject, extension=extension, reason=form.cleaned_data["note"],
                     success=EXTENSION_REJECTED.format(number=number))
    return _to_person(extension.contract.insured_id, branch.code)


@role_required(*REGISTRY_EDITORS)
def contract_renew(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    old = _contract_or_404(request.user, branch, number)
    current = JalaliMonth.current()
    form = NewContractForm(request.POST or None, current=current,
                           initial={"rate_code": old.rate_code, "treatment": old.treatment,
                                    "wage_ratio": f"{old.wage_ratio.normalize():f}".replace(".", "٫")})
    if request.method == "POST" and form.is_valid():
        new = call_service(request, lapse.contract_renew, contract=old, data=form.contract_data(),
                           success=lambda new: CONTRACT_RENEWED.format(new=fa(new.number), old=fa(old.number)))
        if new is not None:
            return _to_person(old.insured_id, branch.code)
    standing = ledger.standing(old, current) if old.status == ContractStatus.ACTIVE else None
    return render(request, "branches/registry/contract_renew.html", {
        "branch": branch, "insured": old.insured, "contract": old, "form": form, "standing": standing,
        "earliest": current - rules.LAPSE_MONTHS,
    })


@role_required(*REGISTRY_EDITORS)
@require_POST
def objection_answer(request: AuthenticatedRequest, code: str, pk: int) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    objection = get_scoped_or_404(StatementObjection.objects.select_related("statement__contract"), request.user,
                                  branch_path="branch", pk=pk, branch=branch)
    _with_reason(request, services.OBJECTION_EMPTY, lambda reason: call_service(
        request, services.objection_answer, objection=objection, answer=reason, success=OBJECTION_ANSWERED))
    statement = objection.statement
    return redirect("branches:statement", code=branch.code, number=statement.contract.number, year=statement.year)
