"""Public verification of a slip or debt slip number: anyone holding a printed slip can check it."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from insured.models import DebtSlip, Slip
from samt.formfields import DocumentNumberField

NOT_FOUND = "برگی با این شماره در سامانه نیست. شماره را از روی برگ دوباره بخوانید."


class VerifyForm(forms.Form):
    number = DocumentNumberField(label="شماره برگ پرداخت یا برگ بدهی")


def masked_name(first_name: str, last_name: str) -> str:
    """Enough to recognise one's own slip, not enough to learn a stranger's name."""
    return " ".join(f"{word[0]}{'*' * 3}" for word in f"{first_name} {last_name}".split())


def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.GET or None)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        number = form.cleaned_data["number"]
        slip = Slip.objects.select_related("contract__insured").filter(number=number).first()
        debt = DebtSlip.objects.select_related("statement__contract__insured").filter(number=number).first()
        if slip is not None:
            person = slip.contract.insured
            context.update(slip=slip, lines=slip.lines.all())
        elif debt is not None:
            person = debt.statement.contract.insured
            context.update(debt=debt)
        else:
            context["not_found"] = NOT_FOUND
            return render(request, "insured/verify.html", context)
        context["holder"] = masked_name(person.first_name, person.last_name)
    return render(request, "insured/verify.html", context)
