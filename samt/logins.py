"""When a person last signed in before this session.

`User.last_login` is set by the sign-in itself, so a page reading it shows the session being used. The sign-in
keeps the value it replaced in the new session, and pages show that one.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest

PREVIOUS_LOGIN = "samt_previous_login"


def remember_previous_login(request: HttpRequest, previous: datetime | None) -> None:
    request.session[PREVIOUS_LOGIN] = previous.isoformat() if previous else ""


def previous_login(request: HttpRequest) -> datetime | None:
    value = request.session.get(PREVIOUS_LOGIN)
    return datetime.fromisoformat(value) if value else None
