"""Staff must pass a second factor (TOTP) before any page but the ones that let them do so."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django_otp.plugins.otp_totp.models import TOTPDevice

from samt.models import SECOND_FACTOR_ROLES, User


def needs_second_factor(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.role in SECOND_FACTOR_ROLES))


def has_confirmed_device(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def _is_verified(user: User) -> bool:
    # django-otp's OTPMiddleware, which runs before this one, gives the request's user is_verified().
    return bool(cast(Any, user).is_verified())


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (isinstance(user, User) and needs_second_factor(user) and not _is_verified(user)
                and not self._is_open(request.path)):
            target = "samt:otp_verify" if has_confirmed_device(user) else "samt:otp_enrol"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)

    @staticmethod
    def _is_open(path: str) -> bool:
        open_paths = (reverse("samt:otp_verify"), reverse("samt:otp_enrol"), reverse("samt:logout"), "/static/")
        return path.startswith(open_paths)


class PasswordChangeRequiredMiddleware:
    """Someone logging in with a password the branch printed must choose their own before any other page.

    The printed password has been seen by whoever prepared the letter; until it is replaced the account is
    only as private as that sheet of paper (design rule 5).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.must_change_password and not self._is_open(request.path):
            return redirect("samt:password_change")
        return self.get_response(request)

    @staticmethod
    def _is_open(path: str) -> bool:
        # The second factor comes first for staff, so its pages stay open too.
        open_paths = (reverse("samt:password_change"), reverse("samt:otp_verify"), reverse("samt:otp_enrol"),
                      reverse("samt:logout"), "/static/")
        return path.startswith(open_paths)


class IdleSessionMiddleware:
    """The idle timeout without a session write on every request.

    A session expires SESSION_COOKIE_AGE after it was last saved. Saving it on every request (Django's
    SESSION_SAVE_EVERY_REQUEST) made each logged-in request, even /healthz/, an UPDATE and a COMMIT; here a session
    that did not change is saved again only once a minute has passed since its last save, so it still ends after
    SESSION_COOKIE_AGE without a request (give or take that minute)."""

    TOUCHED = "_samt_touched"
    INTERVAL_SECONDS = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        # A cookie naming no stored session (expired, or never) loads as empty: nothing to keep alive.
        if session.is_empty() or not session.keys():
            return response
        now = int(time.time())
        if session.modified or now - int(session.get(self.TOUCHED, 0)) >= self.INTERVAL_SECONDS:
            session[self.TOUCHED] = now
        return response


class SecurityHeadersMiddleware:
    """What every response tells the browser, and what a personal page tells caches.

    Content-Security-Policy (settings.SAMT_CONTENT_SECURITY_POLICY): scripts, styles, fonts and images from this
    server only, so text someone managed to put into a page cannot run; the templates hold no inline script or
    style attribute (a test walks them, the crawl watches the browser for refusals). Permissions-Policy: none of
    the browser's powerful features (camera, location …), which no page uses. Cache-Control: no-store on every
    response to a signed-in person, so neither a shared counter PC's back button nor a proxy keeps someone's
    record; the payment result and receipt, which a payer may open without a login, say so themselves.
    First in the chain after SecurityMiddleware, so static files get the headers too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.SAMT_CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.SAMT_PERMISSIONS_POLICY)
        user = getattr(request, "user", None)  # absent on a static file, answered before authentication
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
