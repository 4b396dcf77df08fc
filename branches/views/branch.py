"""The branch's pages. Every lookup goes through samt.access, so another branch's page is a 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from branches.views.registry import REGISTRY_VIEWERS
from samt.access import branch_for_user_or_404, role_required
from samt.models import BRANCH_ROLES, Role

BRANCH_VIEWERS = (*BRANCH_ROLES, Role.HQ)


@role_required(*BRANCH_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    return redirect("branches:detail", code=request.user.membership.branch.code)


@role_required(*BRANCH_VIEWERS)
def branch_detail(request: HttpRequest, code: str) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    staff = branch.memberships.select_related("user").order_by("role", "user__last_name")
    # The secretariat keeps the register but does not read the insured registry: no link it would be refused.
    context = {"branch": branch, "staff": staff, "can_search_registry": request.user.role in REGISTRY_VIEWERS}
    return render(request, "branches/branch_detail.html", context)
