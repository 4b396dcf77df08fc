"""The branch's credential pages. Thin: each view scopes its lookup through samt.access (another branch's
request is a 404), hands the work to branches.services, and shows the Persian refusal when there is one."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches import services
from branches.forms.credentials import DeliveryForm, InsuredLookupForm, ReasonForm, RequestForm
from branches.models import OPEN_STATUSES, Applicant, CredentialRequest, RequestStatus
from branches.services import IdentityData
from insured.models import InsuredPerson
from samt.access import AuthenticatedRequest, branch_for_user_or_404, get_scoped_or_404, role_required, scoped
from samt.actors import Actor
from samt.errors import DomainError
from samt.models import BRANCH_ROLES, Role
from samt.pdf import pdf_response, render_pdf
from samt.qr import qr_svg
from samt.service_calls import call_service

VIEWERS = (*BRANCH_ROLES, Role.HQ)
PREPARERS = (Role.TECHNICAL_STAFF, Role.BRANCH_HEAD)
NOT_IN_BRANCH = "بیمه‌شده‌ای با این کد ملی در این شعبه ثبت نشده است. کد را دوباره بخوانید یا نخست او را ثبت کنید."
PRINTABLE = (RequestStatus.REGISTERED, RequestStatus.APPROVED, RequestStatus.ISSUED, RequestStatus.DELIVERED,
             RequestStatus.REJECTED)


def _request_or_404(request: AuthenticatedRequest, code: str, number: str) -> CredentialRequest:
    queryset = CredentialRequest.objects.select_related(
        "branch", "insured", "power_of_attorney", "identity_check__checked_by", "prepared_by", "registered_by",
        "decided_by", "issued_by", "delivered_by", "delivery_check",
    )
    return get_scoped_or_404(queryset, request.user, branch_path="branch", branch__code=code, number=number)


def _detail(cred: CredentialRequest) -> HttpResponse:
    return redirect("branches:credential_detail", code=cred.branch.code, number=cred.number)


@role_required(*VIEWERS)
@require_GET
def request_list(request: AuthenticatedRequest, code: str) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    requests = scoped(CredentialRequest.objects.select_related("insured", "branch"), request.user,
                      branch_path="branch").filter(branch=branch)
    status = request.GET.get("status", "")
    if status in RequestStatus.values:
        requests = requests.filter(status=status)
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    context = {"branch": branch, "page": page, "status": status, "statuses": RequestStatus.choices,
               "can_prepare": request.user.role in PREPARERS}
    return render(request, "branches/credentials/list.html", context)


@role_required(*PREPARERS)
@require_http_methods(["GET", "POST"])
def request_new(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """Find the insured by the national code on their card, check the documents, prepare the draft."""
    branch = branch_for_user_or_404(request.user, code)
    lookup = InsuredLookupForm(request.GET or request.POST or None)
    insured = None
    if lookup.is_valid():
        code_typed = lookup.cleaned_data["national_code"]
        insured = InsuredPerson.objects.filter(branch=branch, national_code=code_typed).first()
        if insured is None:
            lookup.add_error("national_code", NOT_IN_BRANCH)
    form = RequestForm(request.POST or None) if insured else None
    if request.method == "POST" and insured is not None and form is not None and form.is_valid():
        try:
            cred = services.request_prepare(actor=Actor.from_request(request), insured=insured,
                                            identity=_identity(form, insured), attorney=form.attorney_data())
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "پیش‌نویس درخواست ساخته شد. اکنون آن را در دبیرخانه ثبت کنید.")
            return _detail(cred)
    open_request = insured.credential_requests.filter(status__in=OPEN_STATUSES).first() if insured else None
    context = {"branch": branch, "lookup": lookup, "insured": insured, "form": form, "open_request": open_request}
    return render(request, "branches/credentials/new.html", context)


def _identity(form: RequestForm, insured: InsuredPerson) -> IdentityData:
    data = form.cleaned_data
    if data["applicant"] == Applicant.ATTORNEY:
        code, name = data["attorney_national_code"], f"{data['attorney_first_name']} {data['attorney_last_name']}"
    else:
        code, name = insured.national_code, insured.full_name
    return IdentityData(national_code=code, full_name=name, saw_national_card=data["saw_national_card"],
                        saw_birth_certificate=data["saw_birth_certificate"])


@role_required(*VIEWERS)
@require_GET
def request_detail(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    cred = _request_or_404(request, code, number)
    actor = Actor.from_request(request)
    moves = {move.action for _, move in services.allowed_moves(cred, actor)}
    context = {
        "cred": cred,
        "branch": cred.branch,
        "moves": moves,
        "history": cred.history.select_related("actor"),
        "printable": cred.status in PRINTABLE,
        "reason_form": ReasonForm(),
        "is_preparer": cred.prepared_by_id == request.user.pk,
    }
    return render(request, "branches/credentials/detail.html", context)


def _act(request: AuthenticatedRequest, code: str, number: str, service: Callable[..., CredentialRequest],
         success: str, **arguments: object) -> HttpResponse:
    """One move of the request's state machine, from its page and back to it."""
    cred = _request_or_404(request, code, number)
    call_service(request, service, request=cred, success=success, **arguments)
    return _detail(cred)


def _reason(request: AuthenticatedRequest) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


@role_required(*BRANCH_ROLES)
@require_POST
def request_register(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    return _act(request, code, number, services.request_register,
                "درخواست در دبیرخانه ثبت شد. فرم دونسخه‌ای را چاپ کنید تا امضا شود؛ نسخه دوم را به "
                "درخواست‌دهنده بدهید.")


@role_required(*BRANCH_ROLES)
@require_POST
def request_decide(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    if request.POST.get("decision") == "approve":
        return _act(request, code, number, services.request_approve,
                    "درخواست تأیید شد؛ کارشناس امور فنی اکنون می‌تواند نام کاربری و گذرواژه را تخصیص دهد.",
                    note=_reason(request))
    return _act(request, code, number, services.request_reject, "درخواست رد شد.", reason=_reason(request))


@role_required(*BRANCH_ROLES)
@require_POST
def request_cancel(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    return _act(request, code, number, services.request_cancel, "درخواست لغو شد.", reason=_reason(request))


@role_required(*BRANCH_ROLES)
@require_POST
def request_allocate(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    """Allocate and answer with the letter itself: the password lives in this response and nowhere else."""
    cred = _request_or_404(request, code, number)
    allocation = call_service(request, services.request_allocate, request=cred)
    if allocation is None:
        return _detail(cred)
    pdf = _letter_pdf(request, allocation.request, password=allocation.password)
    response = pdf_response(pdf, f"credential-letter-{cred.number}.pdf")
    response["Content-Disposition"] = response["Content-Disposition"].replace("inline", "attachment")
    response["Cache-Control"] = "no-store"
    return response


@role_required(*BRANCH_ROLES)
@require_http_methods(["GET", "POST"])
def request_deliver(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    cred = _request_or_404(request, code, number)
    form = DeliveryForm(request.POST or None, has_attorney=cred.power_of_attorney_id is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        identity = IdentityData(
            national_code=data["national_code"], full_name=_recipient_name(cred, data["recipient"]),
            saw_national_card=data["saw_national_card"], saw_birth_certificate=data["saw_birth_certificate"],
        )
        try:
            services.request_deliver(actor=Actor.from_request(request), request=cred, recipient=data["recipient"],
                                     identity=identity, copy2_handed_over=data["copy2_handed_over"])
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "تحویل نامه ثبت شد.")
            return _detail(cred)
    return render(request, "branches/credentials/deliver.html", {"cred": cred, "branch": cred.branch, "form": form})


def _recipient_name(cred: CredentialRequest, recipient: str) -> str:
    if recipient == Applicant.ATTORNEY and cred.power_of_attorney:
        return cred.power_of_attorney.attorney_name
    return cred.insured.full_name


@role_required(*VIEWERS)
@require_GET
def request_form_pdf(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    """The two-copy request form (clause 2): copy 1 for the technical file, copy 2 for the applicant."""
    cred = _request_or_404(request, code, number)
    if cred.status not in PRINTABLE:
        messages.error(request, "فرم پس از ثبت در دبیرخانه چاپ می‌شود؛ شماره و تاریخ دبیرخانه باید روی آن باشد.")
        return _detail(cred)
    copies = [("نسخه اول: پرونده فنی", "برای بایگانی در پرونده فنی بیمه‌شده"),
              ("نسخه دوم: بیمه‌شده", "برای تحویل به درخواست‌دهنده")]
    context = {"cred": cred, "copies": copies, "qr": qr_svg(cred.number, scale=3), "printed_at": timezone.now()}
    return pdf_response(render_pdf("branches/credentials/request_form.pdf.html", context),
                        f"credential-request-{cred.number}.pdf")


@role_required(*VIEWERS)
@require_GET
def request_letter_pdf(request: AuthenticatedRequest, code: str, number: str) -> HttpResponse:
    """The letter again, for the file or a torn envelope — never with the password, which exists only as a hash."""
    cred = _request_or_404(request, code, number)
    if cred.status not in (RequestStatus.ISSUED, RequestStatus.DELIVERED):
        messages.error(request, "نامه پس از تخصیص نام کاربری و گذرواژه صادر می‌شود.")
        return _detail(cred)
    return pdf_response(_letter_pdf(request, cred, password=None), f"credential-letter-{cred.number}-copy.pdf")


def _letter_pdf(request: AuthenticatedRequest, cred: CredentialRequest, *, password: str | None) -> bytes:
    context: dict[str, object] = {"cred": cred, "password": password, "qr": qr_svg(cred.number, scale=3),
               "portal_url": request.build_absolute_uri("/login/")}
    return render_pdf("branches/credentials/letter.pdf.html", context)
