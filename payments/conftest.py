"""Fixtures for the payment tests: the PSP simulator's standing data, and the SEP adapter wired to it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client

from payments.gateways import http
from payments.gateways.sep import SepGateway
from payments.simulator import fixtures
from payments.simulator.models import Terminal
from payments.tests.simulator_client import SIMULATOR_BASE_URL, SimulatorTransport


@pytest.fixture
def psp(db) -> Terminal:
    """Terminal 10012345 and the test cards, as the data migration leaves them.

    Installed again here because a transactional test elsewhere in the run may have flushed the tables.
    """
    fixtures.install(apps)
    return Terminal.objects.get(terminal_id=fixtures.TERMINAL_ID)


@pytest.fixture
def transport(psp: Terminal, monkeypatch: pytest.MonkeyPatch) -> SimulatorTransport:
    """Every request the adapter makes goes to the simulator's views through a Django test client."""
    routed = SimulatorTransport(Client())
    monkeypatch.setattr(http, "post_json", routed)
    return routed


@pytest.fixture
def sep(transport: SimulatorTransport) -> SepGateway:
    return SepGateway(base_url=SIMULATOR_BASE_URL, terminal_id=fixtures.TERMINAL_ID, timeout_seconds=5)
