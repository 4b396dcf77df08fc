"""The one place that talks HTTP to a PSP. Tests replace `post_json`, `post_xml` (SOAP PSPs) and `get_json`
(used only by the daily transaction report); nothing else opens a socket.

Everything that leaves the outcome unknown (timeout, refused or dropped connection, 5xx, a body that is not a
JSON object) becomes RetryableGatewayError; a 4xx without a JSON explanation is a refusal and permanent.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from payments.gateways.base import PermanentGatewayError, RetryableGatewayError

NO_ANSWER = "درگاه پرداخت در زمان مقرر پاسخ نداد یا ارتباط با آن قطع شد."
SERVER_ERROR = "درگاه پرداخت با خطای داخلی پاسخ داد (HTTP {status})."
MALFORMED = "پاسخ درگاه پرداخت قابل خواندن نبود."
REFUSED = "درگاه پرداخت درخواست را نپذیرفت (HTTP {status})."

# 408 and 429 say "not now", not "never".
_RETRYABLE_STATUSES = {408, 429}


def post_json(url: str, payload: dict[str, Any], *, timeout: float, headers: dict[str, str] | None = None) -> dict:
    body = json.dumps(payload, ensure_ascii=False).encode()
    all_headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json", **(headers or {})}
    request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
    return _exchange(request, timeout, dict)


def post_xml(url: str, body: bytes, *, timeout: float, headers: dict[str, str] | None = None) -> bytes:
    """A SOAP call: the envelope's bytes out, the answer's bytes back, under the same error rules. A SOAP fault
    arrives as HTTP 500 and is therefore retryable: the caller cannot tell whether the PSP acted on it."""
    all_headers = {"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml", **(headers or {})}
    request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
    return _exchange_raw(request, timeout)


def get_json(url: str, *, timeout: float, params: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> dict | list:
    """A read-only GET whose answer is a JSON object or list (a report), with the same error rules."""
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})}, method="GET")
    return _exchange(request, timeout, (dict, list))


def _exchange(request: urllib.request.Request, timeout: float, shape: type | tuple[type, ...]) -> Any:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return decode_answer(response.status, response.read(), shape=shape)
    except urllib.error.HTTPError as error:  # before URLError: it is one, but it carries an answer
        return decode_answer(error.code, error.read(), shape=shape)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        # OSError covers socket timeouts and resets; HTTPException covers a body cut short (IncompleteRead).
        raise RetryableGatewayError(NO_ANSWER, raw=repr(error)) from error


def _exchange_raw(request: urllib.request.Request, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return check_raw_answer(response.status, response.read())
    except urllib.error.HTTPError as error:
        return check_raw_answer(error.code, error.read())
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        raise RetryableGatewayError(NO_ANSWER, raw=repr(error)) from error


def check_raw_answer(status: int, body: bytes) -> bytes:
    """The body of an answer that is not JSON (SOAP), or the error its status means; the adapter parses it."""
    text = body.decode("utf-8", errors="replace")
    if status >= 500 or status in _RETRYABLE_STATUSES:
        raise RetryableGatewayError(SERVER_ERROR.format(status=status), raw=text)
    if status >= 400:
        raise PermanentGatewayError(REFUSED.format(status=status), raw=text)
    return body


def decode_answer(status: int, body: bytes, *, shape: type | tuple[type, ...] = dict) -> Any:
    """The JSON object (or, for a report, list) in an HTTP answer, or the error that answer means."""
    text = body.decode("utf-8", errors="replace")
    if status >= 500 or status in _RETRYABLE_STATUSES:
        raise RetryableGatewayError(SERVER_ERROR.format(status=status), raw=text)
    try:
        answer = json.loads(text)
    except ValueError:
        answer = None
    if isinstance(answer, dict) or (isinstance(answer, shape) and status < 400):
        # PSPs explain refusals in a JSON body even on 4xx; the adapter reads the code inside.
        return answer
    if status >= 400:
        raise PermanentGatewayError(REFUSED.format(status=status), raw=text)
    raise RetryableGatewayError(MALFORMED, raw=text)
