"""What the scenario tests of payments.md §11 share: starting a payment the way the portal does, the payer's
return through our real callback view, and what people and auditors see afterwards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from insured.models import CoveredMonth, Slip
from payments import services
from payments.models import PaymentAttempt, PaymentEvent
from payments.selectors import SESSION_KEY
from payments.services import payment_start
from payments.simulator.models import Event, TestCard, Transaction
from payments.simulator.services import sweep_all
from payments.tests.simulator_client import advance_clock, callback_method
from samt.actors import Actor
from samt.models import AuditEvent, User


def start(payable, user: User) -> PaymentAttempt:
    """payment_start as the pay button calls it; the callback URL is our real callback view."""
    started = payment_start(
        actor=Actor.for_user(user), payable=payable,
        callback_url=lambda order_id: "http://testserver" + reverse("payments:callback", args=[order_id]),
    )
    return started.attempt


def started_in(browser: Client, attempt: PaymentAttempt) -> None:
    """Make `browser` the one that pressed the pay button (the view binds its session to the attempt)."""
    session = browser.session
    keys = session.get(SESSION_KEY, [])
    session[SESSION_KEY] = [*keys, str(attempt.public_key)]
    session.save()


def come_back(browser: Client, attempt: PaymentAttempt, fields: dict[str, str], *, method: str | None = None):
    """The payer's browser, which started the payment, arrives at our callback with what the PSP's receipt page
    gave it, the way that PSP sends it (GET or POST) unless `method` says otherwise."""
    method = method or callback_method(reload(attempt).token)
    started_in(browser, attempt)
    url = reverse("payments:callback", args=[attempt.order_id])
    response = browser.post(url, fields) if method == "post" else browser.get(url, fields)
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("payments:result", args=[attempt.public_key])
    return response


def result_text(browser: Client, attempt: PaymentAttempt) -> str:
    """The result page's main text, as the payer (the browser that started the payment) reads it."""
    started_in(browser, attempt)
    response = browser.get(reverse("payments:result", args=[attempt.public_key]))
    assert response.status_code == 200
    return response.content.decode()


def reload(attempt: PaymentAttempt) -> PaymentAttempt:
    return PaymentAttempt.objects.get(pk=attempt.pk)


def balance(card: dict[str, Any]) -> int:
    return TestCard.objects.get(pan=card["pan"]).balance_rial


def covered(slip: Slip) -> int:
    return CoveredMonth.objects.filter(slip=slip).count()


def covered_in_contract(slip: Slip) -> int:
    """Every month credited to the contract by any slip: a double credit would show here."""
    return CoveredMonth.objects.filter(contract_id=slip.contract_id, month__gte=slip.first_month,
                                       month__lte=slip.last_month).count()


def transitions(attempt: PaymentAttempt) -> list[str]:
    return list(PaymentEvent.objects.filter(attempt=attempt, kind=PaymentEvent.Kind.TRANSITION)
                .values_list("name", flat=True))


def events(attempt: PaymentAttempt, kind: str, name: str | None = None) -> list[PaymentEvent]:
    found = PaymentEvent.objects.filter(attempt=attempt, kind=kind)
    return list(found.filter(name=name) if name else found)


def audit_actions(attempt: PaymentAttempt | None = None) -> list[str]:
    found = AuditEvent.objects.order_by("id")
    if attempt is not None:
        found = found.filter(subject_type="payments.paymentattempt", subject_id=str(attempt.pk))
    return list(found.values_list("action", flat=True))


def psp_txn(attempt: PaymentAttempt) -> Transaction:
    return Transaction.objects.get(token=attempt.token)


def psp_verifications(attempt: PaymentAttempt) -> int:
    """How many times the PSP actually moved this payment to verified (the side effect, not the calls)."""
    return Event.objects.filter(transaction__token=attempt.token, kind="verified").count()


def pass_minutes(client: Client, minutes: float) -> None:
    """Jump the PSP's virtual clock and let its timers run (auto-reversal, ended sessions)."""
    advance_clock(client, minutes)
    sweep_all()


def later(minutes: float):
    """Our own clock, `minutes` from now, for the reconciler's deadlines."""
    return timezone.now() + timedelta(minutes=minutes)


class Hooked:
    """The configured adapter with something run right after a call returns, once per method: a second driver
    (or the PSP changing its mind) arriving at exactly the worst moment, made deterministic."""

    def __init__(self, inner: Any, hooks: dict[str, Callable[[], Any]]) -> None:
        self._inner, self._hooks = inner, dict(hooks)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name not in self._hooks:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            answer = attribute(*args, **kwargs)
            hook = self._hooks.pop(name, None)
            if hook is not None:
                hook()
            return answer

        return call


def hook_after(monkeypatch, **hooks: Callable[[], Any]) -> None:
    """From now on payments.services talks to the PSPs through Hooked adapters: hook_after(mp, verify=fn)."""
    real = services.gateway_for
    hooked: dict[tuple[str, str], Hooked] = {}

    def gateway_for(attempt: PaymentAttempt) -> Hooked:
        key = (attempt.psp, attempt.terminal_id)
        if key not in hooked:
            hooked[key] = Hooked(real(attempt), hooks)
        return hooked[key]

    monkeypatch.setattr(services, "gateway_for", gateway_for)
