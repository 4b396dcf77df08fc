"""The address the lockout, the throttles and the audit trail count: behind nginx the client's, never one the
client chose."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from samt.net import client_ip

NGINX = "127.0.0.1"


def address(remote: str, **headers: str) -> str | None:
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


@pytest.fixture
def behind_x_forwarded_for(settings):
    settings.SAMT_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.SAMT_TRUSTED_PROXIES = ["127.0.0.1", "10.20.0.0/16"]


def test_without_a_proxy_header_the_connecting_address_counts(settings):
    settings.SAMT_CLIENT_IP_HEADER = ""
    assert address("203.0.113.7", HTTP_X_REAL_IP="198.51.100.1") == "203.0.113.7"


def test_the_real_ip_our_nginx_sets_is_the_clients(settings):
    settings.SAMT_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert address(NGINX, HTTP_X_REAL_IP="203.0.113.7") == "203.0.113.7"


def test_the_header_is_ignored_on_a_connection_not_from_a_trusted_proxy(settings):
    # Someone who reaches the app server directly cannot name their own address.
    settings.SAMT_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert address("203.0.113.9", HTTP_X_REAL_IP="198.51.100.1") == "203.0.113.9"


def test_the_leftmost_forwarded_address_is_the_clients_own_word_and_is_ignored(behind_x_forwarded_for):
    # nginx appends the address it heard from ($proxy_add_x_forwarded_for) to whatever the client sent.
    assert address(NGINX, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7") == "203.0.113.7"


def test_trusted_proxies_in_the_chain_are_skipped(behind_x_forwarded_for):
    # A load balancer at 10.20.0.5 in front of our nginx.
    assert address(NGINX, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7, 10.20.0.5") == "203.0.113.7"


def test_a_unix_socket_is_our_own_proxy(settings):
    settings.SAMT_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert address("", HTTP_X_REAL_IP="203.0.113.7") == "203.0.113.7"


def test_garbage_in_the_header_falls_back_to_the_connection(behind_x_forwarded_for):
    assert address(NGINX, HTTP_X_FORWARDED_FOR="not-an-address") == NGINX
