"""Data processing from the browser: start the year-end statements or a legacy import, watch, read the result."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hq import processing
from hq.forms import ImportForm, StatementsRunForm
from hq.models import ProcessingRun, RunKind
from samt.access import AuthenticatedRequest, role_required
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth
from samt.models import Role

RUNS_SHOWN = 20
QUEUED = "در نوبت اجرا قرار گرفت؛ کار در پردازشگر پس‌زمینه انجام می‌شود و این صفحه پیشرفت را نشان می‌دهد."


def _runs_for(request: AuthenticatedRequest) -> QuerySet[ProcessingRun]:
    membership = request.user.membership_or_none
    runs = ProcessingRun.objects.select_related("requested_by").defer("file_text")
    return runs.filter(province=membership.province_id) if membership and membership.province_id else runs


def _page(request: AuthenticatedRequest, statements_form: StatementsRunForm, import_form: ImportForm) -> HttpResponse:
    runs = list(_runs_for(request)[:RUNS_SHOWN])
    return render(request, "hq/processing/home.html", {
        "runs": runs, "statements_form": statements_form, "import_form": import_form,
        "can_start": request.user.role == Role.DATA_PROCESSING,
        "watching": any(run.is_active for run in runs),
    })


@role_required(Role.DATA_PROCESSING, Role.HQ)
def processing_home(request: AuthenticatedRequest) -> HttpResponse:
    return _page(request, StatementsRunForm(initial={"year": JalaliMonth.current().year - 1}), ImportForm())


@require_POST
@role_required(Role.DATA_PROCESSING)
def start_statements(request: AuthenticatedRequest) -> HttpResponse:
    form = StatementsRunForm(request.POST)
    if not form.is_valid():
        return _page(request, form, ImportForm())
    return _started(request, lambda actor: processing.processing_run_start(
        actor=actor, kind=RunKind.STATEMENTS, year=form.cleaned_data["year"]))


@require_POST
@role_required(Role.DATA_PROCESSING)
def start_import(request: AuthenticatedRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, StatementsRunForm(), form)
    name, text = form.cleaned_data["file"].name, form.cleaned_data["text"]
    return _started(request, lambda actor: processing.processing_run_start(
        actor=actor, kind=RunKind.IMPORT, file_name=name, file_text=text))


def _started(request: AuthenticatedRequest, start: Callable[[Actor], ProcessingRun]) -> HttpResponse:
    try:
        started = start(Actor.from_request(request))
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("hq:processing")
    messages.success(request, QUEUED)
    return redirect("hq:run", pk=started.pk)


@role_required(Role.DATA_PROCESSING, Role.HQ)
def run_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        run = _runs_for(request).get(pk=pk)
    except ProcessingRun.DoesNotExist:
        raise Http404 from None
    return render(request, "hq/processing/run.html", {"run": run})
