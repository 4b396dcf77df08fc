"""Stateless app servers: two gunicorn instances of the production stack on one PostgreSQL database, and a person
whose requests alternate between them, as a load balancer may send them. Nothing a request needs from an earlier
one (the session, the CSRF token, the payment attempt, the lockout count) may live in one server's memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection

from conftest import PASSWORD
from insured.models import Slip, SlipStatus
from insured.tests.factories import make_contract
from payments.simulator.fixtures import CARDS
from samt.jalali import JalaliMonth
from samt.tests.stack import (
    Browser,
    collect_static,
    free_port,
    live_database_url,
    pay_at_bank,
    production_env,
    start_server,
    start_simulator,
    stop,
)

pytestmark = [
    pytest.mark.skipif("connection.vendor != 'postgresql'",
                       reason="the servers are other processes: they need the test database on a server"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if connection.vendor != "postgresql":
        pytest.skip("the servers are other processes: they need the test database on a server")
    root = tmp_path_factory.mktemp("static")
    collect_static(production_env(database_url="sqlite:///unused", static_root=root))
    return root


@pytest.fixture
def servers(tmp_path: Path, static_root: Path) -> Iterator[tuple[str, str, str]]:
    """Portal servers A and B, and the PSP simulator as the bank."""
    url = live_database_url()
    bank_port, a_port, b_port = free_port(), free_port(), free_port()
    env = production_env(database_url=url, static_root=static_root,
                         extra={"PSP_BASE_URL": f"http://127.0.0.1:{bank_port}/psp", "PSP_TERMINAL_ID": "10012345",
                                "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "2"})
    started = [start_simulator(bank_port, database_url=url, log=tmp_path / "bank.log")]
    try:
        started.append(start_server(a_port, env, log=tmp_path / "a.log"))
        started.append(start_server(b_port, env, log=tmp_path / "b.log"))
        yield tuple(f"http://127.0.0.1:{port}" for port in (a_port, b_port, bank_port))
    finally:
        for server in started:
            stop(server)


def browser_for(a: str, b: str, bank: str) -> Browser:
    # One portal behind one host name: A and B share its cookies, as behind nginx; the bank has its own.
    netloc = {url: url.removeprefix("http://") for url in (a, b, bank)}
    return Browser({netloc[a]: "portal", netloc[b]: "portal", netloc[bank]: "bank"})


@pytest.fixture
def insured_user(insured_user):
    """The servers check passwords with the production hashers, not the tests' fast one."""
    hasher = Argon2PasswordHasher()
    insured_user.password = hasher.encode(PASSWORD, hasher.salt())
    insured_user.save(update_fields=["password"])
    return insured_user


def on(server: str, url: str) -> str:
    """The same path on another app server."""
    return server + "/" + url.split("/", 3)[3]


def test_a_person_logs_in_on_one_server_issues_on_the_other_and_pays_across_both(servers, staff_a, branch_a,
                                                                                 insured_user):
    a, b, bank = servers
    current = JalaliMonth.current()
    contract = make_contract(staff_a, branch_a, first_month=current)
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    person = browser_for(a, b, bank)

    person.get(f"{a}/login/")
    assert person.post(f"{a}/login/", {"username": insured_user.username, "password": PASSWORD}).status == 302
    assert person.get(f"{b}/me/").status == 200  # the session made on A is known to B

    issued = person.post(f"{b}/me/slips/issue/", {"end": str(current.as_int()), "request_key": "two-servers"})
    assert issued.status == 302, issued.body[:500]
    number = issued.location.strip("/").rsplit("/", 1)[-1]
    assert "برگ پرداخت صادر شد" in person.get(f"{a}/me/slips/{number}/").body  # B's message, shown by A

    hand_off = person.post(f"{a}/pay/slip/{number}/")
    assert hand_off.status == 200, hand_off.body[:500]
    method, callback, fields = pay_at_bank(person, hand_off.body, referer=f"{a}/me/slips/{number}/", card=CARDS[0])
    assert callback.startswith(a)  # the attempt was started on A ...
    back = person.request(method, on(b, callback), fields)  # ... and the bank's redirect reaches B
    assert back.status == 302
    result = person.get(on(a, b + back.location))  # the result page on A again
    assert "پرداخت با موفقیت انجام شد" in result.body

    slip = Slip.objects.get(number=number)
    assert slip.status == SlipStatus.PAID and slip.total > 0
    assert "پرداخت‌شده" in person.get(f"{b}/me/slips/").body


def test_wrong_passwords_count_across_servers(servers, insured_user):
    a, b, bank = servers
    person = browser_for(a, b, bank)
    for attempt in range(5):  # the limit, spread over both servers
        server = (a, b)[attempt % 2]
        person.get(f"{server}/login/")
        person.post(f"{server}/login/", {"username": insured_user.username, "password": "wrong-password-1405"})
    person.get(f"{a}/login/")
    refused = person.post(f"{a}/login/", {"username": insured_user.username, "password": PASSWORD})
    assert refused.status != 302  # the right password is refused now, on either server
    assert refused.status == 429 or "قفل" in refused.body or "دقیقه" in refused.body
