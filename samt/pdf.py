"""Printable documents: a template rendered to an A4 PDF by WeasyPrint, fonts from our own static files."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML

# Templates refer to fonts and images relative to static/, so no document ever fetches from a network.
STATIC_BASE = settings.BASE_DIR / "static"


def render_pdf(template_name: str, context: dict[str, object], request: HttpRequest | None = None) -> bytes:
    html = render_to_string(template_name, context, request)
    pdf: bytes = HTML(string=html, base_url=f"{STATIC_BASE}/").write_pdf()
    return pdf


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
