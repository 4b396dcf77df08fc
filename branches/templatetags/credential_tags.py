"""The credential-requests card on the branch page, and the status badge of a request."""

from __future__ import annotations

from django import template
from django.db.models import Count
from django.utils import timezone

from branches.models import OPEN_STATUSES, CredentialRequest, RequestStatus
from samt.models import Branch, Role

register = template.Library()

BADGES: dict[str, str] = {
    RequestStatus.DRAFT: "text-bg-light border",
    RequestStatus.REGISTERED: "text-bg-warning",
    RequestStatus.APPROVED: "text-bg-info",
    RequestStatus.ISSUED: "text-bg-primary",
    RequestStatus.DELIVERED: "text-bg-success",
    RequestStatus.REJECTED: "text-bg-danger",
    RequestStatus.CANCELLED: "text-bg-secondary",
}


@register.filter
def status_badge(status: str) -> str:
    return BADGES.get(status, "text-bg-light")


def pending_approval(branch: Branch) -> list[CredentialRequest]:
    """Requests waiting for the head's decision, oldest first, each with its age in whole days."""
    now = timezone.now()
    pending = list(
        CredentialRequest.objects.filter(branch=branch, status=RequestStatus.REGISTERED)
        .select_related("insured", "prepared_by", "branch")
        .order_by("registered_at", "id")
    )
    for request in pending:
        registered = request.registered_at or now  # a registered request has its time
        request.age_days = (now - registered).days  # type: ignore[attr-defined]  # read by the card template
    return pending


@register.inclusion_tag("branches/credentials/_card.html", takes_context=True)
def credential_card(context: template.Context, branch: Branch) -> dict[str, object]:
    """The caller has already scoped `branch` to the user (branch_for_user_or_404)."""
    user = context["request"].user
    counts = dict(
        CredentialRequest.objects.filter(branch=branch, status__in=OPEN_STATUSES)
        .values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    is_head = user.role == Role.BRANCH_HEAD
    return {
        "branch": branch,
        "counts": [(status, RequestStatus(status).label, counts.get(status, 0)) for status in OPEN_STATUSES],
        "pending": pending_approval(branch) if is_head else None,
        "can_prepare": user.role in (Role.TECHNICAL_STAFF, Role.BRANCH_HEAD),
    }
