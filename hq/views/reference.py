"""Reference data in Persian pages: experts prepare a row, the HQ manager approves or rejects it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hq import selectors, services
from hq.forms import FORMS, ChangeForm, OfficeStatusForm, RejectForm
from hq.models import ChangeKind, ChangeStatus, ReferenceChange
from samt.access import AuthenticatedRequest, role_required, visible_offices
from samt.actors import Actor
from samt.errors import DomainError
from samt.models import Role
from samt.service_calls import call_service

READERS = (Role.HQ, Role.HQ_TECHNICAL, Role.BROKER_AFFAIRS)


@role_required(*READERS)
def reference_home(request: AuthenticatedRequest) -> HttpResponse:
    changes = selectors.changes_for(request.user)
    kinds = [(kind, label) for kind, label in ChangeKind.choices if request.user.role in services.PREPARERS[kind]]
    return render(request, "hq/reference/home.html", {
        "pending": changes.filter(status=ChangeStatus.PROPOSED),
        "decided": changes.exclude(status=ChangeStatus.PROPOSED)[:20],
        "tables": selectors.tables(), "kinds": kinds,
    })


@role_required(Role.HQ_TECHNICAL, Role.BROKER_AFFAIRS)
def change_new(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    if kind not in FORMS or request.user.role not in services.PREPARERS[kind]:
        raise Http404
    form_class = FORMS[kind]
    form: ChangeForm
    if form_class is OfficeStatusForm:
        form = OfficeStatusForm(request.POST or None, offices=visible_offices(request.user))
    else:
        form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.reference_change_propose(
                actor=Actor.from_request(request), kind=kind, values=form.values(),
                reason=form.cleaned_data["reason"], office=form.cleaned_data.get("office"))
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "پیشنهاد ثبت شد و برای تأیید نزد مدیر کل است.")
            return redirect("hq:change", pk=change.pk)
    return render(request, "hq/reference/new.html", {"form": form, "kind_label": ChangeKind(kind).label})


def _change_page(request: AuthenticatedRequest, change: ReferenceChange, reject_form: RejectForm) -> HttpResponse:
    can_decide = (request.user.role == Role.HQ and change.status == ChangeStatus.PROPOSED
                  and change.prepared_by_id != request.user.pk)
    return render(request, "hq/reference/change.html", {
        "change": change, "rows": selectors.describe(change), "can_decide": can_decide, "reject_form": reject_form,
    })


@role_required(*READERS)
def change_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _change_page(request, selectors.change_for_user_or_404(request.user, pk), RejectForm())


@require_POST
@role_required(Role.HQ)
def change_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    call_service(request, services.reference_change_approve, change=selectors.change_for_user_or_404(request.user, pk),
                 success="تأیید شد؛ از همین لحظه در محاسبه‌ها به کار می‌رود.")
    return redirect("hq:change", pk=pk)


@require_POST
@role_required(Role.HQ)
def change_reject(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    change = selectors.change_for_user_or_404(request.user, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _change_page(request, change, form)
    call_service(request, services.reference_change_reject, change=change, note=form.cleaned_data["note"],
                 success="پیشنهاد رد شد.")
    return redirect("hq:change", pk=pk)
