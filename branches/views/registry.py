"""The branch's insured registry: find a person, register them with their contract, correct their record,
see their ledger as a Jalali timeline, compute and issue the yearly statement, issue a debt slip and record it
paid at the counter.

Technical staff and the head of the branch work here; HQ may look (read-only). Every lookup by a URL id goes
through samt.access, scoped to the branch in the URL and to what the user may see, so a person of another
branch is a 404. Every change goes through insured.services with the acting user; its DomainError carries the
Persian message shown to staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import Replace
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches.forms.registry import (
    DependantForm,
    MonthlyWage,
    PersonDetailsForm,
    ReceiptForm,
    RegisterForm,
    SearchForm,
)
from insured import ledger, rules, services
from insured.models import (
    AccountStatement,
    Contract,
    ContractStatus,
    DebtSlip,
    DebtSlipStatus,
    ExtensionStatus,
    InsuredPerson,
    StatementStatus,
)
from insured.slip_documents import pay_qr_context
from insured.timeline import UNPAID, Cell, YearRow, contract_timeline
from samt.access import AuthenticatedRequest, branch_for_user_or_404, get_scoped_or_404, role_required
from samt.actors import Actor
from samt.errors import DomainError
from samt.formatting import fa_digits as fa
from samt.formatting import rials
from samt.jalali import MONTH_NAMES, JalaliMonth
from samt.models import Branch, Role, User
from samt.pdf import pdf_response, render_pdf
from samt.persian import search_key
from samt.persian_words import rials_in_words
from samt.service_calls import call_service

REGISTRY_EDITORS = (Role.TECHNICAL_STAFF, Role.BRANCH_HEAD)
REGISTRY_VIEWERS = (*REGISTRY_EDITORS, Role.HQ)
SEARCH_LIMIT = 50

NOTHING_CHANGED = "چیزی تغییر نکرد."
DETAILS_SAVED = "مشخصات بیمه‌شده به‌روز شد."


# Scoped lookups ---------------------------------------------------------------------------------------------


def _person_or_404(user: User, branch: Branch, pk: int) -> InsuredPerson:
    return get_scoped_or_404(InsuredPerson.objects.select_related("branch"), user, branch_path="branch",
                             pk=pk, branch=branch)


def _contract_or_404(user: User, branch: Branch, number: str) -> Contract:
    return get_scoped_or_404(Contract.objects.select_related("insured__branch"), user,
                             branch_path="insured__branch", number=number, insured__branch=branch)


def _debt_slip_or_404(user: User, branch: Branch, number: str) -> DebtSlip:
    return get_scoped_or_404(
        DebtSlip.objects.select_related("statement__contract__insured__branch", "issued_by"), user,
        branch_path="statement__contract__insured__branch", number=number,
        statement__contract__insured__branch=branch,
    )


def _statement_year_or_404(contract: Contract, year: int, current: JalaliMonth) -> int:
    if not contract.first_month.year <= year <= current.year:
        raise Http404
    return year


def _can_edit(user: User) -> bool:
    return user.role in REGISTRY_EDITORS


# Search -----------------------------------------------------------------------------------------------------


def insured_matching(people: QuerySet[InsuredPerson], text: str) -> QuerySet[InsuredPerson]:
    """People whose national code, insurance number or contract number starts with the digits typed, or
    whose name holds every word typed (also when typed joined: "محمدرضا" finds "محمد رضا")."""
    digits = text.replace(" ", "").replace("-", "")
    if digits.isascii() and digits.isdigit():
        condition = (Q(national_code__startswith=digits) | Q(insurance_number__startswith=digits)
                     | Q(contracts__number=digits))
        if 8 <= len(digits) < 10:  # spreadsheets drop a national code's leading zeros
            condition |= Q(national_code=digits.zfill(10))
        return people.filter(condition).distinct()
    key = search_key(text)
    every_word = Q()
    for word in key.split(" "):
        every_word &= Q(search_key__contains=word)
    joined = people.annotate(joined_key=Replace("search_key", Value(" "), Value("")))
    return joined.filter(every_word | Q(joined_key__contains=key.replace(" ", ""))).distinct()


@role_required(*REGISTRY_VIEWERS)
def search(request: AuthenticatedRequest, code: str) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid():
        found = insured_matching(branch.insured_people.all(), form.cleaned_data["q"])
        results = list(found.prefetch_related("contracts").order_by("last_name", "first_name")[: SEARCH_LIMIT + 1])
    return render(request, "branches/registry/search.html", {
        "branch": branch, "form": form, "results": results and results[:SEARCH_LIMIT],
        "searched": results is not None, "more": results is not None and len(results) > SEARCH_LIMIT,
        "limit": SEARCH_LIMIT, "can_edit": _can_edit(request.user),
    })


# Register and edit ------------------------------------------------------------------------------------------


def _monthly_wage(current: JalaliMonth) -> MonthlyWage | None:
    try:
        return MonthlyWage.from_daily(current.year, ledger.wage_in_force(current))
    except DomainError:
        return None


@role_required(*REGISTRY_EDITORS)
def register(request: AuthenticatedRequest, code: str) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    current = JalaliMonth.current()
    form = RegisterForm(request.POST or None, today=timezone.localdate(), current=current,
                        wage=_monthly_wage(current))
    if request.method == "POST" and form.is_valid():
        contract = call_service(request, services.insured_register, person=form.person_data(),
                                contract=form.contract_data(), branch_id=branch.pk,
                                success=lambda new: f"{new.insured.full_name} ثبت شد؛ شماره قرارداد {fa(new.number)}.")
        if contract is not None:
            return redirect("branches:insured_detail", code=branch.code, pk=contract.insured_id)
    return render(request, "branches/registry/register.html", {"branch": branch, "form": form})


@role_required(*REGISTRY_EDITORS)
def person_edit(request: AuthenticatedRequest, code: str, pk: int) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    insured = _person_or_404(request.user, branch, pk)
    form = PersonDetailsForm(request.POST or None, initial=PersonDetailsForm.initial_for(insured),
                             today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if changes:
            services.insured_update(actor=Actor.from_request(request), insured=insured, changes=changes)
        messages.success(request, DETAILS_SAVED if changes else NOTHING_CHANGED)
        return redirect("branches:insured_detail", code=branch.code, pk=insured.pk)
    return render(request, "branches/registry/person_edit.html",
                  {"branch": branch, "insured": insured, "form": form})


# The person and their ledger --------------------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineYear:
    """One year of the insured's paid-months grid (insured.timeline), with that year's statement beside it."""

    row: YearRow
    statement: AccountStatement | None
    has_statement_page: bool

    @property
    def year(self) -> int:
        return self.row.year

    @property
    def cells(self) -> list[Cell]:
        return self.row.cells

    @property
    def paid(self) -> int:
        return self.row.paid_count

    @property
    def unpaid(self) -> int:
        return sum(cell.state == UNPAID for cell in self.row.cells)


def ledger_timeline(contract: Contract, current: JalaliMonth) -> list[TimelineYear]:
    """The grid from the contract's first year to this year (or the last year paid ahead), a row a year."""
    statements = {row.year: row for row in contract.statements.all()}
    return [TimelineYear(row=row, statement=statements.get(row.year), has_statement_page=row.year <= current.year)
            for row in contract_timeline(contract, current)]


def _chosen_contract(contracts: list[Contract], number: str | None) -> Contract | None:
    """The contract asked for, else the active one, else the latest."""
    for contract in contracts:
        if contract.number == number:
            return contract
    active = [contract for contract in contracts if contract.status == ContractStatus.ACTIVE]
    candidates = active or contracts
    return candidates[0] if candidates else None


def _person_page(request: AuthenticatedRequest, branch: Branch, insured: InsuredPerson,
                 dependant_form: DependantForm | None = None) -> HttpResponse:
    current = JalaliMonth.current()
    contracts = list(insured.contracts.order_by("-created_at"))
    contract = _chosen_contract(contracts, request.GET.get("contract"))
    context = {
        "branch": branch, "insured": insured, "contracts": contracts, "contract": contract, "current": current,
        "dependants": insured.dependants.order_by("pk"), "can_edit": _can_edit(request.user),
        "dependant_form": dependant_form or DependantForm(insured=insured),
    }
    if contract is not None:
        timeline = ledger_timeline(contract, current)
        standing = ledger.standing(contract, current)
        context.update(standing=standing, timeline=timeline, month_names=MONTH_NAMES,
                       paid_months=[cell.covered for row in timeline for cell in row.cells if cell.covered],
                       **_lapse_context(request.user, contract, standing))
    return render(request, "branches/registry/person.html", context)


def _lapse_context(user: User, contract: Contract, standing: ledger.Standing) -> dict[str, object]:
    """What the lapse-and-return box offers: the extension while it can still save the contract, the head's
    decision on a prepared one, a new contract once the old one is beyond saving."""
    lapsed = contract.status == ContractStatus.LAPSED or rules.is_lapsed(
        standing.first_unpaid, standing.current, extended=contract.lapse_extension_used)
    pending = contract.extensions.filter(status=ExtensionStatus.REQUESTED).select_related("requested_by").first()
    can_extend = (contract.status == ContractStatus.ACTIVE and not contract.lapse_extension_used and pending is None
                  and rules.extension_would_help(standing.first_unpaid, standing.current))
    return {
        "lapsed": lapsed, "pending_extension": pending, "can_extend": can_extend,
        "can_decide": pending is not None and user.role == Role.BRANCH_HEAD and pending.requested_by_id != user.pk,
        "can_renew": lapsed and not can_extend and pending is None and not hasattr(contract, "replaced_by"),
        "extensions": contract.extensions.select_related("requested_by", "decided_by").order_by("requested_at"),
    }


@role_required(*REGISTRY_VIEWERS)
def person(request: AuthenticatedRequest, code: str, pk: int) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    return _person_page(request, branch, _person_or_404(request.user, branch, pk))


@role_required(*REGISTRY_EDITORS)
@require_POST
def dependant_add(request: AuthenticatedRequest, code: str, pk: int) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    insured = _person_or_404(request.user, branch, pk)
    form = DependantForm(request.POST, insured=insured)
    if not form.is_valid():
        return _person_page(request, branch, insured, dependant_form=form)
    call_service(request, services.dependant_add, insured=insured, **form.cleaned_data,
                 success=lambda added: f"{added.first_name} {added.last_name} به افراد تحت تکفل افزوده شد.")
    return redirect("branches:insured_detail", code=branch.code, pk=insured.pk)


# The yearly statement ---------------------------------------------------------------------------------------


@role_required(*REGISTRY_VIEWERS)
def statement(request: AuthenticatedRequest, code: str, number: str, year: int) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    contract = _contract_or_404(request.user, branch, number)
    year = _statement_year_or_404(contract, year, JalaliMonth.current())
    found = contract.statements.filter(year=year).first()
    context = {"branch": branch, "contract": contract, "insured": contract.insured, "year": year,
               "statement": found, "can_edit": _can_edit(request.user)}
    if found is not None:
        lines = found.lines.all()
        context.update(
            lines=lines,
            totals=lines.aggregate(premium=Sum("premium_due"), per_capita=Sum("per_capita_due"),
                                   paid=Sum("amount_paid"), difference=Sum("difference")),
            debt_slips=found.debt_slips.order_by("-issued_at"),
            open_slip=found.debt_slips.filter(status=DebtSlipStatus.ISSUED).first(),
            paid_slip=found.debt_slips.filter(status=DebtSlipStatus.PAID).first(),
            objections=found.objections.select_related("created_by", "answered_by").order_by("created_at"),
        )
    return render(request, "branches/registry/statement.html", context)


def _statement_action(
    request: AuthenticatedRequest, code: str, number: str, year: int
) -> tuple[Branch, Contract, AccountStatement | None, HttpResponse]:
    """The scoped contract and its statement of `year` (None before the first computation)."""
    branch = branch_for_user_or_404(request.user, code)
    contract = _contract_or_404(request.user, branch, number)
    year = _statement_year_or_404(contract, year, JalaliMonth.current())
    back = redirect("branches:statement", code=branch.code, number=contract.number, year=year)
    return branch, contract, contract.statements.filter(year=year).first(), back


def balance_sentence(balance: int) -> str:
    if balance > 0:
        return f"بدهی {rials(balance)} ریال"
    if balance < 0:
        return f"بستانکاری {rials(-balance)} ریال (برای بازپرداخت به دست شعبه)"
    return "بی‌حساب (نه بدهی، نه بستانکاری)"


def _issued_sentence(issued: AccountStatement) -> str:
    outcome = ("تا پرداخت برگ بدهی، صدور اینترنتی سال بعد بسته می‌ماند."
               if issued.status == StatementStatus.ISSUED else "گردش حساب تسویه‌شده است.")
    return f"گردش حساب سال {fa(issued.year)} صادر شد؛ {balance_sentence(issued.balance)}. {outcome}"


@role_required(*REGISTRY_EDITORS)
@require_POST
def statement_compute(request: AuthenticatedRequest, code: str, number: str, year: int) -> HttpResponse:
    _branch, contract, _found, back = _statement_action(request, code, number, year)
    call_service(request, services.statement_compute, contract=contract, year=year,
                 success=lambda computed: f"گردش حساب سال {fa(year)} محاسبه شد: {balance_sentence(computed.balance)}.")
    return back


@role_required(*REGISTRY_EDITORS)
@require_POST
def statement_issue(request: AuthenticatedRequest, code: str, number: str, year: int) -> HttpResponse:
    _branch, _contract, found, back = _statement_action(request, code, number, year)
    if found is None:
        messages.error(request, f"گردش حساب سال {fa(year)} هنوز محاسبه نشده است؛ نخست آن را محاسبه کنید.")
        return back
    call_service(request, services.statement_issue, statement=found, success=_issued_sentence)
    return back


@role_required(*REGISTRY_EDITORS)
@require_POST
def debt_slip_issue(request: AuthenticatedRequest, code: str, number: str, year: int) -> HttpResponse:
    branch, _contract, found, back = _statement_action(request, code, number, year)
    if found is None:
        messages.error(request, services.STATEMENT_NOT_ISSUED)
        return back
    slip = call_service(request, services.debt_slip_issue, statement=found, success=lambda new: (
        f"برگ بدهی شماره {fa(new.number)} به مبلغ {rials(new.amount)} ریال صادر شد."))
    if slip is None:
        return back
    return redirect("branches:debt_slip", code=branch.code, number=slip.number)


# Debt slips -------------------------------------------------------------------------------------------------


def _debt_slip_page(request: AuthenticatedRequest, branch: Branch, slip: DebtSlip,
                    receipt_form: ReceiptForm | None = None) -> HttpResponse:
    return render(request, "branches/registry/debt_slip.html", {
        "branch": branch, "slip": slip, "statement": slip.statement, "contract": slip.statement.contract,
        "insured": slip.statement.contract.insured, "can_edit": _can_edit(request.user),
        "receipt_form": receipt_form or ReceiptForm(),
    })


@role_required(*REGISTRY_VIEWERS)
def debt_slip(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    return _debt_slip_page(request, branch, _debt_slip_or_404(request.user, branch, number))


@role_required(*REGISTRY_VIEWERS)
def debt_slip_pdf(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    slip = _debt_slip_or_404(request.user, branch, number)
    statement = slip.statement
    pdf = render_pdf("branches/registry/debt_slip_pdf.html", {
        "branch": branch, "slip": slip, "statement": statement, "contract": statement.contract,
        "insured": statement.contract.insured, "lines": statement.lines.all(),
        "amount_in_words": rials_in_words(slip.amount), **pay_qr_context(request, slip),
        "voided": slip.status == DebtSlipStatus.VOIDED,
    }, request)
    return pdf_response(pdf, f"debt-slip-{slip.number}.pdf")


@role_required(*REGISTRY_EDITORS)
@require_POST
def debt_slip_paid(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    slip = _debt_slip_or_404(request.user, branch, number)
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return _debt_slip_page(request, branch, slip, receipt_form=form)
    paid = call_service(request, services.debt_slip_mark_paid, debt_slip=slip,
                        reference=form.cleaned_data["reference"], paid_at=timezone.now())
    if paid is None:
        return redirect("branches:debt_slip", code=branch.code, number=slip.number)
    statement = slip.statement
    messages.success(request, f"پرداخت برگ بدهی {fa(slip.number)} ثبت شد و گردش حساب سال {fa(statement.year)} "
                              "تسویه‌شده است.")
    return redirect("branches:statement", code=branch.code, number=statement.contract.number, year=statement.year)
