"""Kavenegar's REST API (https://kavenegar.com/rest.html): the one module that knows its wire format.

Chosen with SMS_BACKEND=samt.sms_kavenegar.KavenegarBackend and configured by KAVENEGAR_API_KEY, KAVENEGAR_SENDER
(the line number messages come from) and KAVENEGAR_BASE_URL. docs/sms.md cites the sources for each fact below.

- A call is `POST {base}/{API-KEY}/{scope}/{method}.json` with form-encoded parameters; the answer is JSON
  `{"return": {"status": <code>, "message": <Persian text>}, "entries": [...]}`, where 200 means accepted and any
  other code is the error (the HTTP status carries the same code).
- `sms/send`: `receptor`, `message`, optional `sender` and `localid` (our own id for the message); each entry
  gives `messageid`, `status`, `statustext`, `receptor`, `cost`.
- `sms/status`: `messageid` (comma-separated); each entry gives `messageid`, `status`, `statustext`.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from samt.sms import OutgoingSms, SmsAccepted, SmsError

logger = logging.getLogger("samt.sms")

# Kavenegar's return codes that we act on. An account problem (key, credit, sender line, disabled account)
# fails every message alike until a person fixes it: the round stops and the message waits. A bad number or text
# will never go: the message ends. Anything else, including the provider's own trouble, is tried again.
ACCOUNT_PROBLEMS = {
    401: "حساب کاوه‌نگار غیرفعال است",
    403: "کلید API کاوه‌نگار نامعتبر است",
    407: "دسترسی به این متد در حساب کاوه‌نگار داده نشده است",
    412: "شماره فرستنده (خط) کاوه‌نگار نامعتبر است",
    418: "اعتبار حساب کاوه‌نگار کافی نیست",
}
MESSAGE_PROBLEMS = {
    400: "پارامترهای درخواست ناقص است",
    411: "شماره گیرنده نامعتبر است",
    413: "متن پیام خالی یا بیش از اندازه است",
}
# sms/status codes that will not change any more (delivered, failed, unreachable, cancelled, blocked, unknown id).
FINAL_DELIVERY = {6, 10, 11, 13, 14, 100}


def _call(method: str, params: dict[str, str]) -> list[dict[str, Any]]:
    """The one HTTP choke point (tests point KAVENEGAR_BASE_URL at a local fake that speaks the same wire)."""
    config: dict[str, Any] = settings.SAMT_KAVENEGAR
    url = f"{config['BASE_URL'].rstrip('/')}/{urllib.parse.quote(config['API_KEY'], safe='')}/sms/{method}.json"
    body = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=config["TIMEOUT_SECONDS"]) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:  # Kavenegar answers an error code with the same HTTP status
        status, raw = error.code, error.read()
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        raise SmsError(f"کاوه‌نگار پاسخ نداد: {error}", retryable=True, code="network") from error
    return _entries(status, raw)


def _entries(http_status: int, raw: bytes) -> list[dict[str, Any]]:
    try:
        answer = json.loads(raw.decode("utf-8"))
        code, text = int(answer["return"]["status"]), str(answer["return"].get("message", ""))
    except (ValueError, KeyError, TypeError):
        raise SmsError(f"پاسخ کاوه‌نگار خوانا نبود (HTTP {http_status})", retryable=True,
                       code=str(http_status)) from None
    if code == 200:
        entries = answer.get("entries") or []
        return [entry for entry in entries if isinstance(entry, dict)]
    if code in ACCOUNT_PROBLEMS:
        logger.error("kavenegar refuses the account: %s %s", code, text)
        raise SmsError(f"{ACCOUNT_PROBLEMS[code]} ({text})", retryable=True, code=str(code), account=True)
    if code in MESSAGE_PROBLEMS:
        raise SmsError(f"{MESSAGE_PROBLEMS[code]} ({text})", retryable=False, code=str(code))
    raise SmsError(f"کاوه‌نگار: {text}", retryable=True, code=str(code))


class KavenegarBackend:
    name = "kavenegar"

    def send(self, sms: OutgoingSms) -> SmsAccepted:
        params = {"receptor": sms.to, "message": sms.text, "localid": str(sms.local_id)}
        sender = str(settings.SAMT_KAVENEGAR["SENDER"])
        if sender:
            params["sender"] = sender
        entries = _call("send", params)
        if not entries or "messageid" not in entries[0]:
            raise SmsError("کاوه‌نگار پیام را پذیرفت اما شناسه‌ای نداد", retryable=True, code="no-entry")
        entry = entries[0]
        return _accepted(entry)

    def delivery(self, message_ids: list[str]) -> dict[str, SmsAccepted]:
        """The provider's current status of each message it knows."""
        entries = _call("status", {"messageid": ",".join(message_ids)})
        return {str(entry["messageid"]): _accepted(entry) for entry in entries if "messageid" in entry}


def _accepted(entry: dict[str, Any]) -> SmsAccepted:
    code = entry.get("status")
    return SmsAccepted(message_id=str(entry["messageid"]),
                       status=f"{code if code is not None else ''} {entry.get('statustext', '')}".strip(),
                       final=isinstance(code, int) and code in FINAL_DELIVERY)


@register()
def kavenegar_configured(**kwargs: object) -> list[CheckMessage]:
    """With Kavenegar chosen and no key, every text would wait in the queue until someone noticed."""
    if settings.SAMT_SMS_BACKEND.endswith("KavenegarBackend") and not settings.SAMT_KAVENEGAR["API_KEY"]:
        return [Error("SMS_BACKEND is Kavenegar but KAVENEGAR_API_KEY is empty.", id="samt.E101")]
    return []
