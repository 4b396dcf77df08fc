"""Reading what arrived: JSON bodies, the caller's address and the headers worth keeping in the ledger."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest

LOGGED_HEADERS = {
    "HTTP_HOST": "Host",
    "HTTP_USER_AGENT": "User-Agent",
    "HTTP_REFERER": "Referer",
    "CONTENT_TYPE": "Content-Type",
    "HTTP_X_FORWARDED_FOR": "X-Forwarded-For",
    "HTTP_X_REAL_IP": "X-Real-IP",
}


def json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def source_ip(request: HttpRequest) -> str | None:
    # The PSP sees the connection's address: a merchant cannot choose it with a header.
    return request.META.get("REMOTE_ADDR")


def logged_headers(request: HttpRequest) -> dict[str, str]:
    return {name: request.META[key] for key, name in LOGGED_HEADERS.items() if key in request.META}


def request_facts(request: HttpRequest) -> dict[str, Any]:
    """The fields of an Event that describe the request itself."""
    return {"source_ip": source_ip(request), "headers": logged_headers(request)}
