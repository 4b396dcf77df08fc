"""What the pages of other apps say about a slip's payment: insured/, branches/ and brokers/ may not import
payments/, but their slip pages must not offer a pay button while a payment of that slip is unresolved. They
already name payments' URLs; they ask this tag too.

    {% load payment_notices %}
    {% payment_holding slip as held %}
    {% if held %}{% include "payments/_holding_notice.html" %}{% elif slip.is_payable %}…pay button…{% endif %}
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from insured.models import DebtSlip, Slip
from payments.messages import PayerNotice
from payments.models import PaymentAttempt
from payments.selectors import payment_holding as holding_attempt
from payments.selectors import payment_notice

register = template.Library()


@dataclass(frozen=True)
class Held:
    attempt: PaymentAttempt
    notice: PayerNotice


@register.simple_tag
def payment_holding(payable: Slip | DebtSlip) -> Held | None:
    """The payment that keeps `payable` from being paid again and what its payer is told, or None."""
    attempt = holding_attempt(payable)
    return Held(attempt, payment_notice(attempt)) if attempt is not None else None
