"""The password backend: Django's ModelBackend, reading a signed-in user's membership in the same statement."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from samt.models import User


class MembershipModelBackend(ModelBackend):
    """Every signed-in request asks for the user's role (the second-factor middleware, role_required, the menus),
    which is their membership: read with the user (one LEFT JOIN) rather than by a second query each request.
    An insured person's account has no membership; `User.role` reads the cached absence without a query."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("membership").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
