"""The gate every broker page passes: the role, and for an operator an office that is still active."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import ParamSpec

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from brokers.models import FaultCase, Sanction
from brokers.services import office_refusal
from samt.access import AuthenticatedRequest, AuthenticatedView, PublicView, role_required
from samt.models import BrokerOffice, Role

P = ParamSpec("P")


def broker_view(*roles: str) -> Callable[[AuthenticatedView[P]], PublicView[P]]:
    """role_required, and an operator whose office is suspended or closed gets a page that says so (403).

    Login itself still succeeds for them: the kernel's login serves every role, and an operator turned away
    at the password would only think they mistyped it; here they read why and whom to ask.
    """

    def decorator(view: AuthenticatedView[P]) -> PublicView[P]:
        @role_required(*roles)
        def wrapper(request: AuthenticatedRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            membership = request.user.membership
            if membership.role == Role.BROKER_OPERATOR and membership.office is not None:
                refusal = office_refusal(membership.office)
                if refusal:
                    return office_refused(request, membership.office, refusal)
            return view(request, *args, **kwargs)

        update_wrapper(wrapper, view)
        return wrapper

    return decorator


def office_refused(request: HttpRequest, office: BrokerOffice, refusal: str) -> HttpResponse:
    case = (FaultCase.objects.filter(office=office, sanction=Sanction.SUSPENSION).order_by("-decided_at").first())
    return render(request, "brokers/office_refused.html", {"office": office, "refusal": refusal, "case": case},
                  status=403)
