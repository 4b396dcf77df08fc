"""The insured person's own pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from insured import ledger, services
from insured.models import Channel, Contract, DebtSlip, DebtSlipStatus, InsuredPerson, Slip, SlipStatus
from insured.slips import slip_offer
from samt.access import AuthenticatedRequest, role_required
from samt.actors import Actor
from samt.logins import previous_login
from samt.models import Role


@role_required(Role.INSURED)
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Who they are to the organisation: their contract and where it stands this month."""
    person = InsuredPerson.objects.filter(user=request.user).select_related("branch").first()
    contract = ledger.active_contract(person.pk) if person else None
    # The same offer the quote page makes, so this page never promises what the quote then refuses.
    offer = slip_offer(contract, channel=Channel.ONLINE) if contract else None
    standing = offer.standing if offer else None
    ended = ledger.lapsed_contract(person.pk) if person and contract is None else None
    # 1.5 times the minimum wage reads "۱٫۵" with the Persian decimal separator.
    ratio = f"{contract.wage_ratio.normalize():f}".replace(".", "٫") if contract else ""
    context = {
        "person": person, "contract": contract, "offer": offer, "standing": standing,
        "wage_ratio": ratio, "previous_login": previous_login(request),
        "open_slip": _open_slip(contract), "open_debt_slips": _open_debt_slips(person),
        "status": ledger.home_status(standing, ended), "ended_contract": ended,
        "has_statements": person is not None and person.contracts.filter(statements__isnull=False).exists(),
    }
    return render(request, "insured/home.html", context)


REMINDERS_ON = "پیامک‌های یادآوری برای شما روشن شد."
REMINDERS_OFF = ("پیامک‌های یادآوری خاموش شد. پیامک رویدادها (صدور برگ، ثبت پرداخت، گردش حساب) همچنان فرستاده "
                 "می‌شود.")


@require_POST
@role_required(Role.INSURED)
def reminders(request: AuthenticatedRequest) -> HttpResponse:
    person = InsuredPerson.objects.filter(user=request.user).first()
    if person is None:
        raise Http404
    on = request.POST.get("on") == "1"
    services.insured_set_reminders(actor=Actor.from_request(request), insured=person, on=on)
    messages.success(request, REMINDERS_ON if on else REMINDERS_OFF)
    return redirect("insured:home")


def _open_slip(contract: Contract | None) -> Slip | None:
    """The one slip still waiting to be paid, if its deadline has not passed."""
    if contract is None:
        return None
    slip = Slip.objects.filter(contract=contract, status=SlipStatus.ISSUED).order_by("-issued_at").first()
    return slip if slip and slip.is_payable() else None


def _open_debt_slips(person: InsuredPerson | None) -> list[DebtSlip]:
    if person is None:
        return []
    return list(DebtSlip.objects.filter(statement__contract__insured=person, status=DebtSlipStatus.ISSUED)
                .select_related("statement__contract"))
