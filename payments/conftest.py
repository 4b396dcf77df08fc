"""Fixtures for the payment tests: the PSP simulator's standing data, the SEP adapter wired to it, and an
insured person with a three-month slip to pay."""

from __future__ import annotations

import pytest
import time_machine
from django.apps import apps
from django.test import Client

from insured import services
from insured.models import Contract, DebtSlip, Slip
from insured.slips import slip_issue
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from payments.gateways import http
from payments.gateways.mellat import MellatGateway
from payments.gateways.sep import SepGateway
from payments.simulator import fixtures
from payments.simulator.models import Terminal
from payments.tests.simulator_client import SIMULATOR_BASE_URL, SimulatorTransport, gateways_setting
from samt.actors import Actor
from samt.jalali import JalaliMonth as M
from samt.models import Branch, User


@pytest.fixture
def psp(db) -> Terminal:
    """Terminal 10012345 and the test cards, as the data migration leaves them.

    Installed again here because a transactional test elsewhere in the run may have flushed the tables.
    """
    fixtures.install(apps)
    return Terminal.objects.get(terminal_id=fixtures.TERMINAL_ID)


@pytest.fixture
def transport(psp: Terminal, monkeypatch: pytest.MonkeyPatch) -> SimulatorTransport:
    """Every request the adapters make goes to the simulator's views through a Django test client."""
    routed = SimulatorTransport(Client())
    monkeypatch.setattr(http, "post_json", routed)
    monkeypatch.setattr(http, "post_xml", routed.post_xml)
    monkeypatch.setattr(http, "get_json", routed.get_json)
    return routed


@pytest.fixture
def sep(transport: SimulatorTransport) -> SepGateway:
    return SepGateway(base_url=SIMULATOR_BASE_URL, terminal_id=fixtures.TERMINAL_ID, timeout_seconds=5)


@pytest.fixture
def mellat(transport: SimulatorTransport) -> MellatGateway:
    return MellatGateway(base_url=SIMULATOR_BASE_URL, terminal_id=fixtures.MELLAT_TERMINAL_ID,
                         username=fixtures.MELLAT_USERNAME, password=fixtures.MELLAT_PASSWORD, timeout_seconds=5)


@pytest.fixture
def portal_gateway(settings, transport: SimulatorTransport) -> SimulatorTransport:
    """The portal's own adapters (settings.SAMT_PAYMENT_GATEWAYS) pointed at the simulator in this process:
    SEP first, Mellat standing by."""
    settings.SAMT_PAYMENT_GATEWAYS = gateways_setting("sep", "mellat")
    return transport


@pytest.fixture
def azar_1405():
    """4 Azar 1405 in Tehran, with the clock moving (the PSP's windows are measured against it)."""
    with time_machine.travel(AZAR_1405, tick=True):
        yield


@pytest.fixture
def insured_contract(staff_a, branch_a, insured_user) -> Contract:
    """The insured person's contract (insured_user signs in as them), paid Farvardin to Shahrivar 1405."""
    contract = make_contract(staff_a, branch_a)
    pay_months(contract, M(1405, 1), M(1405, 6))
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    return contract


@pytest.fixture
def slip(azar_1405, insured_contract, insured_user) -> Slip:
    """The insured's slip for Mehr to Azar 1405 (59,851,980 rials), issued online and unpaid."""
    return slip_issue(actor=Actor.for_user(insured_user), contract=insured_contract, end_month=M(1405, 9),
                      channel="online")


def one_month_slip(staff: User, branch: Branch, user: User, *, serial: int, attach: bool = True) -> Slip:
    """Another person's slip for Azar 1405 alone, issued online by `user` (their own account if `attach`)."""
    contract = make_contract(staff, branch, serial=serial)
    pay_months(contract, M(1405, 1), M(1405, 8))
    if attach:
        contract.insured.user = user
        contract.insured.save(update_fields=["user"])
    return slip_issue(actor=Actor.for_user(user), contract=contract, end_month=M(1405, 9), channel="online")


@pytest.fixture
def other_slip(slip, staff_a, branch_a, outsider) -> Slip:
    """Someone else's cheaper slip, issued the same day (outsider signs in as them)."""
    return one_month_slip(staff_a, branch_a, outsider, serial=7654321)


@pytest.fixture
def payer() -> Client:
    """The payer's browser at the bank: a client of its own, with no session of ours."""
    return Client()


@pytest.fixture
def debt_slip(staff_a, branch_a, azar_1405) -> DebtSlip:
    """A debt slip of 1404's statement for another person of branch 2104 (nobody signs in as them)."""
    from insured.tests.test_yearend import debt

    contract = debt(Actor.for_user(staff_a), branch_a, 21)
    statement = services.statement_compute(actor=Actor.for_user(staff_a), contract=contract, year=1404)
    services.statement_issue(actor=Actor.for_user(staff_a), statement=statement)
    return services.debt_slip_issue(actor=Actor.for_user(staff_a), statement=statement)
