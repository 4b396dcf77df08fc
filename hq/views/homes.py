"""The province roles' home pages: each role lands on its own work, scoped to its province (or the country)."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render

from hq import selectors
from insured.selectors import objections_needing_a_person
from payments.models import State
from payments.selectors import NEEDS_A_PERSON_SHOWN, payments_needing_a_person
from samt.access import AuthenticatedRequest, role_required, visible_branches, visible_offices
from samt.jalali import JalaliMonth
from samt.models import Role

# The manager's way to every HQ page of the apps.
MANAGER_LINKS = [
    ("samt:audit_list", "رویدادهای ممیزی"),
    ("hq:reports", "گزارش‌ها"),
    ("hq:reference", "داده‌های پایه و تأیید"),
    ("hq:technical_home", "امور فنی: ارقام پایه"),
    ("hq:broker_affairs_home", "امور کارگزاری‌ها"),
    ("hq:data_processing_home", "فرابری"),
    ("brokers:report", "گزارش ماهانه کارگزاری‌ها"),
    ("brokers:cases", "پرونده‌های تخلف کارگزاری‌ها"),
    ("brokers:tariffs", "تعرفه‌های مصوب کارمزد"),
    ("payments:gateway_report", "درگاه‌های پرداخت: آمار روزانه"),
]


@role_required(Role.HQ)
def manager_home(request: AuthenticatedRequest) -> HttpResponse:
    """The province's manager: what needs a person first (payments whose money must be returned or looked into,
    objections to statements), then the branches and offices of the province."""
    user = request.user
    return render(request, "hq/manager_home.html", {
        "payments": payments_needing_a_person(user),
        # A manager with no province is national: objections_needing_a_person takes None as the whole country.
        "objections": objections_needing_a_person(province_id=user.membership.province_id)[:NEEDS_A_PERSON_SHOWN],
        "branches": visible_branches(user).annotate(staff_count=Count("memberships")),
        "offices": visible_offices(user).annotate(operator_count=Count("memberships")),
        "links": MANAGER_LINKS,
    })


@role_required(Role.HQ_TECHNICAL, Role.HQ)
def technical_home(request: AuthenticatedRequest) -> HttpResponse:
    current = JalaliMonth.current()
    context = {"now": selectors.figures_in_force(current), "next_year": selectors.figures_in_force(
        JalaliMonth(current.year + 1, 1)),
        # The expert closes manual reviews too, once the bank has answered (payments' review page).
        "reviews": [item for item in payments_needing_a_person(request.user)
                    if item.attempt.state == State.MANUAL_REVIEW]}
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
