"""The broker office's pages, scoped to the operator's own office through samt.access."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from samt.access import office_for_user_or_404, role_required
from samt.models import Role


@role_required(Role.BROKER_OPERATOR)
def home(request: HttpRequest) -> HttpResponse:
    return redirect("brokers:detail", code=request.user.membership.office.code)


@role_required(Role.BROKER_OPERATOR, Role.HQ)
def office_detail(request: HttpRequest, code: str) -> HttpResponse:
    office = office_for_user_or_404(request.user, code)
    operators = office.memberships.select_related("user").order_by("user__last_name")
    return render(request, "brokers/office_detail.html", {"office": office, "operators": operators})
