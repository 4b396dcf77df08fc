"""Builds the adapters listed in settings.SAMT_PAYMENT_GATEWAYS, so adding a PSP or going live is a settings
change. The list's order is the failover order; each entry's WEIGHT is its share of first attempts (0: standby,
used only when an earlier gateway fails)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from payments.gateways.base import PaymentGateway


@dataclass(frozen=True)
class Configured:
    gateway: PaymentGateway
    weight: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.gateway.name, self.gateway.terminal_id)


def _build(entry: dict[str, Any]) -> Configured:
    options = dict(entry)
    adapter = import_string(options.pop("ADAPTER"))
    weight = int(options.pop("WEIGHT", 1))
    if weight < 0:
        raise ImproperlyConfigured("A payment gateway's WEIGHT must be zero or more.")
    return Configured(adapter(**{name.lower(): value for name, value in options.items()}), weight)


def configured_gateways() -> list[Configured]:
    """Every configured gateway, in failover order. Options other than ADAPTER and WEIGHT become lower-case
    keyword arguments of the adapter."""
    entries = [_build(entry) for entry in settings.SAMT_PAYMENT_GATEWAYS]
    if not entries or not any(entry.weight for entry in entries):
        raise ImproperlyConfigured("SAMT_PAYMENT_GATEWAYS needs at least one gateway with a WEIGHT above 0.")
    return entries


def get_gateway() -> PaymentGateway:
    """The first configured gateway: where callers with no attempt in hand (tests, tools) talk to a PSP."""
    return configured_gateways()[0].gateway


def psp_labels() -> dict[str, str]:
    """Each configured PSP's name as staff know it, by the name stored on attempts."""
    return {entry.gateway.name: entry.gateway.label for entry in configured_gateways()}


def gateway_for(psp: str, terminal_id: str) -> PaymentGateway:
    """The adapter for an attempt's own PSP and terminal: an attempt is always finished where it started."""
    for entry in configured_gateways():
        if entry.key == (psp, terminal_id):
            return entry.gateway
    raise ImproperlyConfigured(f"No payment gateway {psp}/{terminal_id} in SAMT_PAYMENT_GATEWAYS.")


def route(weights: Sequence[tuple[tuple[str, str], int]], cooling: set[tuple[str, str]], pick: float
          ) -> list[tuple[str, str]]:
    """The order to try gateways in for one payment (pure: `pick` is a number in [0, 1) chosen by the caller).

    The first is drawn by weight among the gateways not cooling off (a standby, weight 0, comes first only
    when no weighted gateway is usable); the others follow in configured order, those cooling off left out.
    When every gateway is cooling off, they are all tried anyway: a payer is better served by a gateway that
    may have recovered than by none.
    """
    usable = [(key, weight) for key, weight in weights if key not in cooling] or list(weights)
    total = sum(weight for _, weight in usable)
    threshold, running, first = pick * total, 0, usable[0][0]
    for key, weight in usable:
        running += weight
        if weight and threshold < running:
            first = key
            break
    return [first] + [key for key, _ in usable if key != first]
