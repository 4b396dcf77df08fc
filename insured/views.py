"""The insured person's own pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from samt.access import role_required
from samt.models import Role


@role_required(Role.INSURED)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "insured/home.html")
