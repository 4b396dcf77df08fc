"""The insured person's own pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from insured import ledger
from insured.models import InsuredPerson
from samt.access import role_required
from samt.jalali import JalaliMonth
from samt.models import Role


@role_required(Role.INSURED)
def home(request: HttpRequest) -> HttpResponse:
    """Who they are to the organisation: their contract and where it stands this month."""
    person = InsuredPerson.objects.filter(user=request.user).select_related("branch").first()
    contract = ledger.active_contract(person.pk) if person else None
    standing = ledger.standing(contract, JalaliMonth.current()) if contract else None
    # 1.5 times the minimum wage reads "۱٫۵" with the Persian decimal separator.
    ratio = f"{contract.wage_ratio.normalize():f}".replace(".", "٫") if contract else ""
    context = {"person": person, "contract": contract, "standing": standing, "wage_ratio": ratio}
    return render(request, "insured/home.html", context)
