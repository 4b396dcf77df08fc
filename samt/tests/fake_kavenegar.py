"""A local stand-in for Kavenegar's REST API, speaking its wire format (docs/sms.md): form-encoded POSTs to
/v1/<API-KEY>/sms/send.json and sms/status.json, JSON answers with `return.status` repeated as the HTTP status."""

from __future__ import annotations

import itertools
import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD_KEY = "6A4B2C-TEST-KEY"
COST = 1030  # rials per segment, the order of Kavenegar's price list


@dataclass
class FakeKavenegar:
    base_url: str = ""
    credit: int = 1_000_000
    blocked_numbers: set[str] = field(default_factory=set)  # handed to the network, never delivered
    unknown_numbers: set[str] = field(default_factory=set)  # well-formed, but no operator serves them
    outages: int = 0  # answer the next N calls with HTTP 502 and an HTML page, like a proxy in front of it
    sent: list[dict[str, str]] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(81_000_001))

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, Any]:
        if self.outages:
            self.outages -= 1
            return 502, "<html><body>Bad Gateway</body></html>"
        found = re.fullmatch(r"/v1/([^/]+)/sms/(send|status)\.json", path)
        if found is None:
            return 404, _return(404, "متد تعریف نشده است")
        key, method = urllib.parse.unquote(found[1]), found[2]
        if key != GOOD_KEY:
            return 403, _return(403, "کد شناسائی API-Key معتبر نمی‌باشد")
        return self.send(params) if method == "send" else self.status(params)

    def send(self, params: dict[str, str]) -> tuple[int, Any]:
        receptor, message = params.get("receptor", ""), params.get("message", "")
        if not receptor or not message:
            return 400, _return(400, "پارامترها ناقص هستند")
        if not re.fullmatch(r"09[0-9]{9}", receptor) or receptor in self.unknown_numbers:
            return 411, _return(411, "دریافت کننده نامعتبر است")
        if self.credit < COST:
            return 418, _return(418, "اعتبار حساب شما کافی نیست")
        self.credit -= COST
        message_id = next(self._ids)
        self.statuses[message_id] = 1
        self.sent.append(params)
        entry = {"messageid": message_id, "message": message, "status": 1, "statustext": "در صف ارسال",
                 "sender": params.get("sender", "10004346"), "receptor": receptor, "date": 1764800000, "cost": COST}
        return 200, {"return": {"status": 200, "message": "تایید شد"}, "entries": [entry]}

    def status(self, params: dict[str, str]) -> tuple[int, Any]:
        entries = []
        for raw in params.get("messageid", "").split(","):
            message_id = int(raw) if raw.isdigit() else 0
            code = self.statuses.get(message_id, 100)
            entries.append({"messageid": message_id, "status": code, "statustext": STATUS_TEXT[code]})
        return 200, {"return": {"status": 200, "message": "تایید شد"}, "entries": entries}

    def network_settles(self) -> None:
        """Every message so far reaches the phone, except the blocked numbers'."""
        for params, message_id in zip(self.sent, sorted(self.statuses), strict=False):
            self.statuses[message_id] = 11 if params["receptor"] in self.blocked_numbers else 10


STATUS_TEXT = {1: "در صف ارسال", 4: "ارسال شده به مخابرات", 10: "رسیده به گیرنده", 11: "نرسیده به گیرنده",
               100: "شناسه پیامک نامعتبر است"}


def _return(code: int, message: str) -> dict[str, Any]:
    return {"return": {"status": code, "message": message}, "entries": None}


@contextmanager
def fake_kavenegar() -> Iterator[FakeKavenegar]:
    fake = FakeKavenegar()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            params = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8")))
            status, body = fake.answer(self.path, params)
            data = body.encode() if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if isinstance(body, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
