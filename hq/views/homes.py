"""The province roles' home pages: each role lands on its own work, scoped to its province (or the country)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from hq import selectors
from samt.access import AuthenticatedRequest, role_required
from samt.jalali import JalaliMonth
from samt.models import Role


@role_required(Role.HQ_TECHNICAL, Role.HQ)
def technical_home(request: AuthenticatedRequest) -> HttpResponse:
    current = JalaliMonth.current()
    context = {"now": selectors.figures_in_force(current), "next_year": selectors.figures_in_force(
        JalaliMonth(current.year + 1, 1))}
    return render(request, "hq/technical_home.html", context)


@role_required(Role.BROKER_AFFAIRS, Role.HQ)
def broker_affairs_home(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "hq/broker_affairs_home.html", {
        "offices": selectors.offices_with_cases(request.user),
        "tariff": selectors.tariff_today(),
        "cases": selectors.open_cases(request.user)[:20],
    })


@role_required(Role.DATA_PROCESSING, Role.HQ)
def data_processing_home(request: AuthenticatedRequest) -> HttpResponse:
    year = JalaliMonth.current().year - 1
    return render(request, "hq/data_processing_home.html", {
        "year": year, "rows": selectors.statements_by_branch(request.user, year),
    })
