"""Configuration that breaks payments before the first payer finds out (payments.md F12)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

# Browsers send no Referer on the hand-off to the PSP under these, and PSPs that require one then refuse the
# card page, e.g. with "خطای آدرس ارجاع دهنده دریافت نشد" (az-iranian-bank-gateways#109).
REFERER_DROPPING_POLICIES = frozenset({"no-referrer", "same-origin"})
REFERER_POLICY_PROBLEM = (
    "سیاست ارجاع (SECURE_REFERRER_POLICY={policy}) نشانی ارجاع‌دهنده را به درگاه بانک نمی‌فرستد و بانک صفحه "
    "پرداخت را باز نمی‌کند؛ آن را strict-origin-when-cross-origin بگذارید."
)


def effective_referrer_policy(policy: str | Iterable[str] | None) -> str:
    """The policy a browser applies: the last token of the header Django sends (empty when none is sent)."""
    if not policy:
        return ""
    tokens = policy.split(",") if isinstance(policy, str) else list(policy)
    tokens = [token.strip().lower() for token in tokens if token.strip()]
    return tokens[-1] if tokens else ""


def referrer_policy_problem(policy: str | Iterable[str] | None) -> str:
    """A Persian explanation when `policy` would stop the PSP's Referer check, else ""."""
    effective = effective_referrer_policy(policy)
    if effective in REFERER_DROPPING_POLICIES:
        return REFERER_POLICY_PROBLEM.format(policy=effective)
    return ""


@register(Tags.security)
def referer_reaches_the_psp(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    problem = referrer_policy_problem(getattr(settings, "SECURE_REFERRER_POLICY", None))
    if problem:
        return [Error(problem, hint="payments.md §2.2", id="payments.E001")]
    return []
