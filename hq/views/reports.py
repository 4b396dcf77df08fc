"""The report pages: a chart, a table and the same rows as CSV, scoped to what the reader may see."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from hq.forms import ReportFilterForm
from hq.reports import REPORTS, Scope, csv_response
from samt.access import AuthenticatedRequest, role_required, visible_branches, visible_offices
from samt.jalali import JalaliMonth
from samt.models import HQ_ROLES, Province, Role

# HQ reads the province; a branch's head and technical staff read their own branch (the demand signal above all).
READERS = (*HQ_ROLES, Role.BRANCH_HEAD, Role.TECHNICAL_STAFF)


@role_required(*READERS)
def report_index(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "hq/reports/index.html", {"reports": _titles()})


def _titles() -> list[tuple[str, str]]:
    return [(slug, title) for slug, (title, _) in REPORTS.items()]


@role_required(*READERS)
def report_page(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    if slug not in REPORTS:
        raise Http404
    branches, offices = visible_branches(request.user), visible_offices(request.user)
    provinces = Province.objects.filter(branches__in=branches).distinct()
    month = JalaliMonth.current()
    form = ReportFilterForm(request.GET or None, branches=branches, provinces=provinces, initial={"month": month})
    if form.is_valid():
        data = form.cleaned_data
        month = data["month"] or month
        if data.get("province"):
            branches, offices = branches.filter(province=data["province"]), offices.filter(province=data["province"])
        if data["branch"]:
            branches = branches.filter(pk=data["branch"].pk)
    report = REPORTS[slug][1](Scope(branches=branches, offices=offices, month=month))
    if request.GET.get("format") == "csv":
        return csv_response(report, f"{slug}-{month.as_int()}")
    query = request.GET.copy()
    query["format"] = "csv"
    return render(request, "hq/reports/page.html", {"report": report, "form": form, "csv_query": query.urlencode(),
                                                    "reports": _titles()})
