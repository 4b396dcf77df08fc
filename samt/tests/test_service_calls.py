"""samt.service_calls.call_service: a view's call of a use case as the signed-in user."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpRequest
from django.test import RequestFactory

from samt.actors import Actor
from samt.errors import DomainError
from samt.models import User
from samt.service_calls import call_service

REFUSED = "این کار اکنون شدنی نیست."


def request_by(user: User) -> HttpRequest:
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")
    request.user = user
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def shown(request: HttpRequest) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(request)]


def renamed(*, actor: Actor, name: str) -> str:
    if not name:
        raise DomainError(REFUSED)
    return f"{actor.label}:{name}"


@pytest.mark.django_db
def test_the_service_acts_as_the_signed_in_user_and_its_result_comes_back(staff_a: User) -> None:
    request = request_by(staff_a)
    assert call_service(request, renamed, name="x", success="انجام شد.") == f"{staff_a.username}:x"
    assert shown(request) == [("success", "انجام شد.")]


@pytest.mark.django_db
def test_the_success_message_may_name_the_result(staff_a: User) -> None:
    request = request_by(staff_a)
    call_service(request, renamed, name="x", success=lambda result: f"نتیجه: {result}")
    assert shown(request) == [("success", f"نتیجه: {staff_a.username}:x")]


@pytest.mark.django_db
def test_a_refusal_becomes_the_error_message_and_none(staff_a: User) -> None:
    request = request_by(staff_a)
    assert call_service(request, renamed, name="", success="انجام شد.") is None
    assert shown(request) == [("error", REFUSED)]


@pytest.mark.django_db
def test_without_a_success_text_nothing_is_said(staff_a: User) -> None:
    request = request_by(staff_a)
    assert call_service(request, renamed, name="x") == f"{staff_a.username}:x"
    assert shown(request) == []


@pytest.mark.django_db
def test_an_argument_may_be_called_request(staff_a: User) -> None:
    """Services name their subject `request` (a credential request); the HTTP request is positional only."""

    def approve(*, actor: Actor, request: str) -> str:
        return request

    assert call_service(request_by(staff_a), approve, request="CR-1") == "CR-1"
