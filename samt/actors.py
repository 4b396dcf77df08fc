"""Who is acting: the person, their role and place, and their address — handed to every service."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from samt.models import Role, User
from samt.net import client_ip


@dataclass(frozen=True)
class Actor:
    user: User | None
    label: str
    role: str = ""
    branch_id: int | None = None
    office_id: int | None = None
    province_id: int | None = None
    client_ip: str | None = None

    @classmethod
    def for_user(cls, user: User, *, client_ip: str | None = None) -> Actor:
        membership = user.membership_or_none
        if membership is None:
            return cls(user=user, label=user.username, role=Role.INSURED, client_ip=client_ip)
        return cls(
            user=user,
            label=user.username,
            role=membership.role,
            branch_id=membership.branch_id,
            office_id=membership.office_id,
            province_id=membership.province_id,
            client_ip=client_ip,
        )

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        user = request.user
        if not isinstance(user, User):
            raise PermissionDenied  # a visitor acts as nobody; every caller is behind a login
        return cls.for_user(user, client_ip=client_ip(request))

    @classmethod
    def public(cls, request: HttpRequest) -> Actor:
        """Someone without a login (a payer holding a printed slip or its SMS link), known only by address."""
        return cls(user=None, label="public", role="public", client_ip=client_ip(request))

    @property
    def person(self) -> User:
        """The signed-in user behind the action, for steps that record which person took them."""
        if self.user is None:
            raise ValueError(f"{self.label} is not a person; this step records the person who took it")
        return self.user

    @classmethod
    def system(cls, job: str) -> Actor:
        """A batch job or management command acting on its own authority."""
        return cls(user=None, label=f"system:{job}")
