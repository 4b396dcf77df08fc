"""Driving the PSP simulator from tests: the adapter's HTTP routed to a test client, and the payer's browser
steps (card page, dynamic password from the inbox, receipt page, return to the merchant) done with a client."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.test import Client

from payments.gateways import http
from payments.gateways.base import RetryableGatewayError
from payments.simulator import fixtures
from payments.simulator.models import Terminal, Transaction

SIMULATOR_BASE_URL = "http://testserver/psp"
MERCHANT_PAGE = "http://testserver/me/slips/1/pay/"
RETURN_URL = "http://testserver/payments/return/"
APPROVE, APPROVE_2, INSUFFICIENT, EXPIRED, OVER_LIMIT, UNAVAILABLE, SLOW = fixtures.CARDS


SEP_ENTRY = {"ADAPTER": "payments.gateways.sep.SepGateway", "BASE_URL": SIMULATOR_BASE_URL,
             "TERMINAL_ID": fixtures.TERMINAL_ID, "TIMEOUT_SECONDS": 5}
MELLAT_ENTRY = {"ADAPTER": "payments.gateways.mellat.MellatGateway", "BASE_URL": SIMULATOR_BASE_URL,
                "TERMINAL_ID": fixtures.MELLAT_TERMINAL_ID, "USERNAME": fixtures.MELLAT_USERNAME,
                "PASSWORD": fixtures.MELLAT_PASSWORD, "TIMEOUT_SECONDS": 5}
ENTRIES = {"sep": SEP_ENTRY, "mellat": MELLAT_ENTRY}


def gateways_setting(*order: str, weights: tuple[int, ...] = ()) -> list[dict[str, object]]:
    """SAMT_PAYMENT_GATEWAYS for the named PSPs' simulator terminals, in this order; by default the first
    takes every first attempt and the others stand by."""
    weights = weights or (1,) + (0,) * (len(order) - 1)
    return [{**ENTRIES[name], "WEIGHT": weight} for name, weight in zip(order, weights, strict=True)]


class SimulatorTransport:
    """A stand-in for `http.post_json` (and `http.get_json`) that sends the request to the simulator's views in
    this process. Server-to-server calls carry no cookies, so each goes through a fresh test client: threads
    (the race tests) may share one transport."""

    def __init__(self, client: Client | None = None, *, remote_addr: str = "127.0.0.1") -> None:
        self.remote_addr = remote_addr
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, url: str, payload: dict[str, Any], *, timeout: float, headers: dict | None = None) -> dict:
        path = urlsplit(url).path
        self.calls.append((path, payload))
        response = Client().post(path, data=json.dumps(payload), content_type="application/json",
                                 REMOTE_ADDR=self.remote_addr)
        return self._answer(response, dict)

    def post_xml(self, url: str, body: bytes, *, timeout: float, headers: dict | None = None) -> bytes:
        path = urlsplit(url).path
        self.calls.append((path, {"soap": body.decode()}))
        response = Client().post(path, data=body, content_type="text/xml; charset=utf-8",
                                 REMOTE_ADDR=self.remote_addr)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        declared = response.get("Content-Length")
        if declared is not None and int(declared) > len(body):
            raise RetryableGatewayError(http.NO_ANSWER, raw=body.decode(errors="replace"))
        return http.check_raw_answer(response.status_code, body)

    def soap_operations(self) -> list[str]:
        """The bp* operation of each SOAP call, in order."""
        return [re.search(r"<ns1:(bp[A-Za-z]+)>", payload["soap"]).group(1) for path, payload in self.calls
                if "soap" in payload]

    def get_json(self, url: str, *, timeout: float, params: dict | None = None, headers: dict | None = None):
        path = urlsplit(url).path
        self.calls.append((path, dict(params or {})))
        return self._answer(Client().get(path, params or {}, REMOTE_ADDR=self.remote_addr), (dict, list))

    @staticmethod
    def _answer(response, shape):
        body = b"".join(response.streaming_content) if response.streaming else response.content
        declared = response.get("Content-Length")
        if declared is not None and int(declared) > len(body):
            # What urllib's short read (http.client.IncompleteRead) becomes in the real post_json.
            raise RetryableGatewayError(http.NO_ANSWER, raw=body.decode(errors="replace"))
        return http.decode_answer(response.status_code, body, shape=shape)

    def paths(self) -> list[str]:
        """The last segment of each path called, in order: "onlinepg", "receipt", "VerifyTransaction"…"""
        return [path.rstrip("/").rsplit("/", 1)[1] for path, _ in self.calls]


def terminal_of(token: str) -> Terminal:
    return Transaction.objects.select_related("terminal").get(token=token).terminal


def open_card_page(client: Client, token: str):
    """The merchant's auto-submitting form lands on the PSP's payment page (SEP's or Mellat's, whichever issued
    the token), with a Referer as browsers send it."""
    if terminal_of(token).psp == Terminal.Psp.MELLAT:
        return client.post("/psp/pgwchannel/startpay.mellat", {"RefId": token}, HTTP_REFERER=MERCHANT_PAGE,
                           follow=True)
    return client.post("/psp/OnlinePG/OnlinePG", {"Token": token}, HTTP_REFERER=MERCHANT_PAGE, follow=True)


def request_dynamic_password(client: Client, token: str, card: dict[str, Any] = APPROVE) -> str:
    """Press "request dynamic password", then read the code on the inbox page, as the payer reads their phone."""
    client.post(f"/psp/pay/{token}/", {"action": "otp", "pan": card["pan"]})
    inbox = client.get("/psp/inbox/", {"to": card["mobile"]}).content.decode()
    return re.search(r'data-code="([0-9]+)"', inbox).group(1)


def card_fields(card: dict[str, Any], **overrides: str) -> dict[str, str]:
    fields = {"action": "pay", "pan": card["pan"], "cvv2": card["cvv2"], "expiry_month": str(card["expiry_month"]),
              "expiry_year": str(card["expiry_year"])[-2:], "pin2": card["pin2"]}
    return {**fields, **overrides}


def submit_card(client: Client, token: str, card: dict[str, Any] = APPROVE, **overrides: str):
    return client.post(f"/psp/pay/{token}/", card_fields(card, **overrides), follow=True)


def pay_at_bank(client: Client, token: str, card: dict[str, Any] = APPROVE):
    """The payer's journey at the bank with a dynamic password, ending on the PSP's receipt page."""
    open_card_page(client, token)
    code = request_dynamic_password(client, token, card)
    return submit_card(client, token, card, pin2=code)


def pay(client: Client, token: str, card: dict[str, Any] = APPROVE) -> dict[str, str]:
    """The whole payer's journey with a dynamic password; returns the callback's query fields (v4.1)."""
    pay_at_bank(client, token, card)
    return callback_fields(client, token)


def callback_fields(client: Client, token: str) -> dict[str, str]:
    """The fields the receipt page sends the browser back with: the v4.1 GET link's query (Token, RefNum), or
    the hidden fields of the POST form (SEP v3.3, Mellat)."""
    page = client.get(f"/psp/pay/{token}/receipt/").content.decode()
    link = re.search(r'href="([^"]+)" data-callback', page)
    if link:
        return dict(parse_qsl(urlsplit(html.unescape(link.group(1))).query, keep_blank_values=True))
    form = re.search(r"<form[^>]*data-callback.*?</form>", page, re.S).group(0)
    return {html.unescape(name): html.unescape(value)
            for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)}


def callback_method(token: str) -> str:
    """How the PSP sends this token's payer back: "get" (SEP v4.1) or "post" (SEP v3.3, Mellat)."""
    terminal = terminal_of(token)
    posts = terminal.psp == Terminal.Psp.MELLAT or terminal.callback_style == Terminal.CallbackStyle.V33
    return "post" if posts else "get"


# Raw SEP calls, for the simulator's own tests ------------------------------------------------------------------

TOKEN_PATH = "/psp/onlinepg/onlinepg"
RECEIPT_PATH = "/psp/verifyTxnRandomSessionkey/api/v2/ipg/payment/receipt"
VERIFY_PATH = "/psp/verifyTxnRandomSessionkey/ipg/VerifyTransaction"
REVERSE_PATH = "/psp/verifyTxnRandomSessionkey/ipg/ReverseTransaction"


def post(client: Client, path: str, payload: dict[str, Any], **extra: str):
    return client.post(path, data=json.dumps(payload), content_type="application/json", **extra)


def token_payload(**overrides: Any) -> dict[str, Any]:
    payload = {"action": "token", "TerminalId": fixtures.TERMINAL_ID, "Amount": 1_250_000, "ResNum": "SAMT-1-1",
               "RedirectUrl": RETURN_URL, "CellNumber": "09121234567"}
    return {**payload, **overrides}


def issue_token(client: Client, **overrides: Any) -> str:
    answer = post(client, TOKEN_PATH, token_payload(**overrides)).json()
    assert answer["status"] == 1, answer
    return answer["token"]


def by_ref_num(ref_num: str) -> dict[str, Any]:
    return {"RefNum": ref_num, "TerminalNumber": int(fixtures.TERMINAL_ID)}


def advance_clock(client: Client, minutes: float, terminal_id: str = fixtures.TERMINAL_ID) -> None:
    post(client, f"/psp/control/api/terminals/{terminal_id}/clock/", {"advance_minutes": minutes})


def change_settings(client: Client, terminal_id: str = fixtures.TERMINAL_ID, **changes: Any) -> dict[str, Any]:
    response = post(client, f"/psp/control/api/terminals/{terminal_id}/settings/", changes)
    assert response.status_code == 200, response.json()
    return response.json()


def state_of(client: Client, token: str) -> dict[str, Any]:
    return client.get(f"/psp/control/api/tokens/{token}/").json()
