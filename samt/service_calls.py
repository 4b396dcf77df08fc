"""A view's call of a use case: as the signed-in user, with the service's Persian refusal shown on the next page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.http import HttpRequest

from samt.actors import Actor
from samt.errors import DomainError

T = TypeVar("T")


def call_service(request: HttpRequest, service: Callable[..., T], /, *, success: str | Callable[[T], str] = "",
                 **arguments: object) -> T | None:
    """Run `service(actor=<the requesting user>, **arguments)`. Its DomainError becomes the page's error message
    and None is returned; otherwise `success` (a text, or a function of the result) becomes the success message and
    the result is returned. Either way the view goes on to redirect or render."""
    try:
        result = service(actor=Actor.from_request(request), **arguments)
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return None
    if success:
        messages.success(request, success if isinstance(success, str) else success(result))
    return result
