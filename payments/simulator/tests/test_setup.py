"""How the simulator is switched on: only with DEBUG, mounted at /psp/, with valid standing data."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import clear_url_caches

import samt.urls
from payments.simulator import fixtures
from payments.simulator.checks import SIMULATOR_IN_PRODUCTION, simulator_only_in_development
from payments.simulator.models import Scenario, Terminal, TestCard
from samt.identifiers import card_issuer, is_valid_card_number
from samt.tests.test_deploy_settings import PRODUCTION_ENV, run_manage


def test_the_check_refuses_the_simulator_without_debug(settings):
    settings.DEBUG, settings.SAMT_PSP_SIMULATOR = False, True
    assert simulator_only_in_development() == [SIMULATOR_IN_PRODUCTION]
    settings.SAMT_PSP_SIMULATOR = False
    assert simulator_only_in_development() == []


def test_the_simulator_is_allowed_in_development(settings):
    settings.DEBUG, settings.SAMT_PSP_SIMULATOR = True, True
    assert simulator_only_in_development() == []


def test_a_production_server_with_the_simulator_switched_on_does_not_start():
    result = run_manage("check", "--deploy", env={**PRODUCTION_ENV, "PSP_SIMULATOR": "1"})
    assert result.returncode != 0
    assert "psp_simulator.E001" in result.stderr


@pytest.fixture
def reload_urls():
    yield
    clear_url_caches()
    importlib.reload(samt.urls)


@pytest.mark.usefixtures("reload_urls")
def test_psp_is_mounted_only_when_the_simulator_is_on(settings):
    settings.SAMT_PSP_SIMULATOR = False
    clear_url_caches()
    assert not any(str(pattern.pattern) == "psp/" for pattern in importlib.reload(samt.urls).urlpatterns)
    settings.SAMT_PSP_SIMULATOR = True
    assert any(str(pattern.pattern) == "psp/" for pattern in importlib.reload(samt.urls).urlpatterns)


def test_test_cards_are_valid_luhn_numbers_of_real_issuers():
    for card in fixtures.CARDS:
        assert is_valid_card_number(card["pan"]), card["pan"]
        assert card_issuer(card["pan"]) is not None
    assert {card["pan"][:6] for card in fixtures.CARDS} == {"603799", "610433", "621986", "589210"}
    assert len({card["mobile"] for card in fixtures.CARDS}) == len(fixtures.CARDS)


@pytest.mark.django_db
def test_installing_the_fixtures_twice_leaves_one_terminal_with_its_scenario():
    fixtures.install(apps)
    fixtures.install(apps)
    terminal = Terminal.objects.get(terminal_id="10012345")
    assert (terminal.merchant_name, terminal.callback_style, terminal.enabled) == ("سازمان تأمین اجتماعی", "v4.1", True)
    assert Scenario.objects.filter(terminal=terminal).count() == 1
    assert TestCard.objects.count() == len(fixtures.CARDS)
