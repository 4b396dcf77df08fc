"""Where a request came from, decided once for the lockout and the audit trail alike."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    # Only a header that our own reverse proxy overwrites is trusted; otherwise anyone could pick their
    # address and dodge the lockout.
    header = settings.SAMT_CLIENT_IP_HEADER
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip()
    address: str | None = request.META.get("REMOTE_ADDR")
    return address
