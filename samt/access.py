"""Object access for staff: every query a staff view makes is scoped through these helpers.

A branch member sees their own branch, a broker operator their own office, HQ the branches and offices of
their province (or all of them when their membership names no province). Anything else is a 404, so a URL
id from another branch reveals nothing, not even that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Concatenate, ParamSpec, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from samt.models import BRANCH_ROLES, HQ_ROLES, OFFICE_ROLES, Branch, BrokerOffice, User

M = TypeVar("M", bound=Model)
P = ParamSpec("P")


class AuthenticatedRequest(HttpRequest):
    """The request a view behind role_required or login_required receives: its user has signed in, so
    `request.user` is a User (with a role and a membership), never AnonymousUser."""

    user: User


Place = TypeVar("Place", Branch, BrokerOffice)


def _visible(user: User, places: type[Place], own_roles: frozenset[str], own: str) -> QuerySet[Place]:
    """One rule for branches and offices: a member of one sees their own (its id in the membership's `own`
    field), HQ the ones of their province, or all of them when the membership names no province."""
    membership = user.membership_or_none if user.is_authenticated else None
    if membership is None:
        return places.objects.none()
    own_id = getattr(membership, own)
    if membership.role in own_roles and own_id is not None:
        return places.objects.filter(pk=own_id)
    if membership.role in HQ_ROLES:
        every = places.objects.all()
        return every.filter(province=membership.province_id) if membership.province_id else every
    return places.objects.none()


def visible_branches(user: User) -> QuerySet[Branch]:
    return _visible(user, Branch, BRANCH_ROLES, "branch_id")


def visible_offices(user: User) -> QuerySet[BrokerOffice]:
    return _visible(user, BrokerOffice, OFFICE_ROLES, "office_id")


def scoped(
    queryset: QuerySet[M], user: User, *, branch_path: str | None = None, office_path: str | None = None
) -> QuerySet[M]:
    """Rows whose branch (at branch_path) or office (at office_path) the user may see."""
    condition = Q(pk__in=[])
    if branch_path:
        condition |= Q(**{f"{branch_path}__in": visible_branches(user)})
    if office_path:
        condition |= Q(**{f"{office_path}__in": visible_offices(user)})
    return queryset.filter(condition)


def get_scoped_or_404(
    queryset: QuerySet[M],
    user: User,
    *,
    branch_path: str | None = None,
    office_path: str | None = None,
    **lookup: object,
) -> M:
    try:
        return scoped(queryset, user, branch_path=branch_path, office_path=office_path).get(**lookup)
    except ObjectDoesNotExist:
        raise Http404 from None


def branch_for_user_or_404(user: User, code: str) -> Branch:
    return get_scoped_or_404(Branch.objects.select_related("province"), user, branch_path="pk", code=code)


def office_for_user_or_404(user: User, code: str) -> BrokerOffice:
    return get_scoped_or_404(BrokerOffice.objects.select_related("province"), user, office_path="pk", code=code)


AuthenticatedView = Callable[Concatenate[AuthenticatedRequest, P], HttpResponse]
PublicView = Callable[Concatenate[HttpRequest, P], HttpResponse]


def role_required(*roles: str) -> Callable[[AuthenticatedView[P]], PublicView[P]]:
    """Only members holding one of `roles` may use the view; others get 403, visitors the login page."""

    def decorator(view: AuthenticatedView[P]) -> PublicView[P]:
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise PermissionDenied
            # Signed in, checked just above: the view may rely on request.user being a User.
            return view(cast(AuthenticatedRequest, request), *args, **kwargs)

        update_wrapper(wrapper, view)
        return wrapper

    return decorator
