"""The PSP simulator in this process: the adapter's server-to-server calls go straight to the simulator's views
(resolved in its own URL list, no HTTP and no middleware), and the payer's steps on the card page are the
simulator's own services. The portal's code on our side of the wire is the real one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import resolve

from payments.gateways import http
from payments.simulator import fixtures
from payments.simulator import services as bank
from payments.simulator.models import TestCard, Transaction

BASE_URL = "http://psp.simulation/psp"
_factory = RequestFactory()


def _view_answer(method: str, url: str, payload: dict[str, Any]) -> tuple[int, bytes]:
    path = urlsplit(url).path.removeprefix("/psp")
    match = resolve(path, urlconf="payments.simulator.urls")
    if method == "POST":
        request = _factory.post(path, data=json.dumps(payload), content_type="application/json",
                                REMOTE_ADDR="127.0.0.1")
    else:
        request = _factory.get(path, payload, REMOTE_ADDR="127.0.0.1")
    response = match.func(request, *match.args, **match.kwargs)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def post_json(url: str, payload: dict[str, Any], *, timeout: float, headers: dict[str, str] | None = None) -> dict:
    status, body = _view_answer("POST", url, payload)
    return http.decode_answer(status, body, shape=dict)


def get_json(url: str, *, timeout: float, params: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Any:
    status, body = _view_answer("GET", url, dict(params or {}))
    return http.decode_answer(status, body, shape=(dict, list))


@contextmanager
def in_process() -> Iterator[None]:
    """The portal's first adapter pointed at the simulator's terminal in this process, for the length of the
    block (its failover partners are left out: every payment of the year goes to one PSP)."""
    gateway = {**settings.SAMT_PAYMENT_GATEWAYS[0], "BASE_URL": BASE_URL, "TERMINAL_ID": fixtures.TERMINAL_ID,
               "WEIGHT": 1, "REPORT_URL": ""}
    with override_settings(SAMT_PAYMENT_GATEWAYS=[gateway]), mock.patch.object(http, "post_json", post_json), \
            mock.patch.object(http, "get_json", get_json):
        yield


def pay_on_card_page(token: str, card: TestCard) -> Transaction:
    """The payer opens the bank's page, types the card with its second password and presses pay."""
    txn = Transaction.objects.select_related("terminal__scenario").get(token=token)
    bank.card_page_opened(txn)
    return bank.card_pay(txn, pan=card.pan, cvv2=card.cvv2, expiry_year=card.expiry_year,
                         expiry_month=card.expiry_month, pin2=card.pin2)
