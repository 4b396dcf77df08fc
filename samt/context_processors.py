"""What the page header shows about the person using it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from samt.models import BRANCH_ROLES, HQ_ROLES, OFFICE_ROLES, Role


def portal(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    context: dict[str, object] = {"sms_outbox_enabled": settings.SAMT_SMS_OUTBOX_PAGE}
    if user is None or not user.is_authenticated:
        return context
    membership = user.membership_or_none
    context.update(
        current_membership=membership,
        current_role_label=Role(user.role).label,
        current_place=membership.place_label if membership else "",
        current_is_hq=user.role in HQ_ROLES,
        current_reads_reports=user.role in HQ_ROLES | {Role.BRANCH_HEAD, Role.TECHNICAL_STAFF},
        current_gets_outreach_kit=user.role in BRANCH_ROLES | OFFICE_ROLES | HQ_ROLES,
    )
    return context
