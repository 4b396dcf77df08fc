"""The branch's pages. Every lookup goes through samt.access, so another branch's page is a 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from branches.views.registry import REGISTRY_VIEWERS
from insured import selectors
from samt.access import AuthenticatedRequest, branch_for_user_or_404, role_required
from samt.models import BRANCH_ROLES, Role

BRANCH_VIEWERS = (*BRANCH_ROLES, Role.HQ)


@role_required(*BRANCH_ROLES)
def home(request: AuthenticatedRequest) -> HttpResponse:
    branch = request.user.membership.branch
    if branch is None:
        raise PermissionDenied  # a branch role always names its branch (a check constraint); never reached
    return redirect("branches:detail", code=branch.code)


@role_required(*BRANCH_VIEWERS)
def branch_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    branch = branch_for_user_or_404(request.user, code)
    staff = branch.memberships.select_related("user").order_by("role", "user__last_name")
    # The secretariat keeps the register but does not read the insured registry: no link it would be refused.
    context = {"branch": branch, "staff": staff, "can_search_registry": request.user.role in REGISTRY_VIEWERS}
    if context["can_search_registry"]:
        # The branch's work list: objections to statements and extensions waiting for the head.
        context.update(objections=selectors.objections_needing_a_person(branch_ids=[branch.pk]),
                       extensions=selectors.extensions_waiting(branch_id=branch.pk))
    return render(request, "branches/branch_detail.html", context)
