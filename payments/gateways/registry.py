"""Builds the adapter named in settings.SAMT_PAYMENT_GATEWAY, so going live is a settings change."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from payments.gateways.base import PaymentGateway


def get_gateway() -> PaymentGateway:
    """The configured adapter. Options other than ADAPTER become lower-case keyword arguments."""
    options = dict(settings.SAMT_PAYMENT_GATEWAY)
    adapter = import_string(options.pop("ADAPTER"))
    return adapter(**{name.lower(): value for name, value in options.items()})
