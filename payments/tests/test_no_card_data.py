"""Design rule 7: card data is entered only on the PSP's page, never on ours. After real payments with the test
cards — typos, a refusal, a static PIN2, a dynamic password, v4.1 and v3.3 callbacks — no card number, CVV2,
PIN2 or dynamic password may be found in any table of any app, nor in anything logged or printed.

Two tables are left out, by name, because they are the simulated bank itself and exist only where the
simulator does: the issuer's card file (psp_simulator_testcard: the test cards' PAN, CVV2 and PIN2 by
definition) and the SMS gateway's outbox that plays the payer's phone (psp_simulator_dynamicpassword). The
simulator's request log (psp_simulator_event) and its transactions are scanned like ours: masked data only.

The test cards keep their numbers, balances and outcomes, but get a CVV2 and a static PIN2 with a leading zero
for this test: no id, amount or count is ever written that way, so a three- or four-digit secret found in the
database or a log is a leak, not the number of some row (on PostgreSQL, sequences run into the thousands).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.urls import reverse

from payments.models import PaymentAttempt, State
from payments.simulator.models import DynamicPassword, Event, TestCard
from payments.tests.simulator_client import (
    APPROVE,
    APPROVE_2,
    INSUFFICIENT,
    MERCHANT_PAGE,
    callback_fields,
    change_settings,
    request_dynamic_password,
    state_of,
    submit_card,
)
from samt.persian import normalize_digits

pytestmark = pytest.mark.django_db
THE_BANK_ITSELF = {"psp_simulator_testcard", "psp_simulator_dynamicpassword"}


def secret_patterns(cards: list[dict[str, Any]], codes: list[str]) -> dict[str, re.Pattern[str]]:
    """A card number with or without spaces or dashes between its digits; a short secret standing alone (so a
    hex token or a base64 RefNum that happens to contain the same four digits is not a finding)."""
    patterns = {}
    for card in cards:
        patterns[f"PAN {card['pan'][:6]}…"] = re.compile("[ -]?".join(card["pan"]))
        patterns[f"CVV2 of {card['pan'][-4:]}"] = re.compile(rf"(?<![0-9A-Za-z]){card['cvv2']}(?![0-9A-Za-z])")
        patterns[f"PIN2 of {card['pan'][-4:]}"] = re.compile(rf"(?<![0-9A-Za-z]){card['pin2']}(?![0-9A-Za-z])")
    for code in codes:
        patterns[f"dynamic password {code}"] = re.compile(rf"(?<![0-9A-Za-z]){code}(?![0-9A-Za-z])")
    return patterns


def every_text_value(tables: list[str]) -> list[tuple[str, str]]:
    """(table, text) for every text-like value in `tables`; sessions decoded, since they are stored encoded.

    Numbers are left to the card-number pattern alone: an auto-increment id can be any four digits.
    """
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if table == "django_session" and column == "session_data":
                        value = repr(SessionStore().decode(value))
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", errors="replace")
                    if isinstance(value, int) and not isinstance(value, bool) and value > 10**12:
                        value = str(value)
                    if isinstance(value, str):
                        found.append((f"{table}.{column}", normalize_digits(value)))
    return found


def leaks(patterns: dict[str, re.Pattern[str]], haystack: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(where, what) for where, text in haystack for what, pattern in patterns.items() if pattern.search(text)]


@pytest.fixture
def cards(psp) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The approve, second approve and insufficient-funds cards, with secrets no row number can look like."""
    secrets = {APPROVE["pan"]: ("0482", "0135790"), APPROVE_2["pan"]: ("073", "02468013"),
               INSUFFICIENT["pan"]: ("0908", "0556671")}
    for pan, (cvv2, pin2) in secrets.items():
        TestCard.objects.filter(pan=pan).update(cvv2=cvv2, pin2=pin2)
    return tuple({**card, "cvv2": secrets[card["pan"]][0], "pin2": secrets[card["pan"]][1]}
                 for card in (APPROVE, APPROVE_2, INSUFFICIENT))


def hand_off(client_for, user, slip) -> PaymentAttempt:
    """The payer presses "pay" on our page; our page posts only the token to the bank."""
    page = client_for(user).post(reverse("payments:pay_slip", args=[slip.number]))
    assert page.status_code == 200 and 'name="Token"' in page.content.decode()
    return PaymentAttempt.objects.filter(slip=slip).latest("id")


def at_the_bank(payer: Client, attempt: PaymentAttempt) -> None:
    payer.post("/psp/OnlinePG/OnlinePG", {"Token": attempt.token}, HTTP_REFERER=MERCHANT_PAGE)


def is_the_banks_own_query(record: logging.LogRecord) -> bool:
    """The simulated issuer looks its cards up by number; in production that query runs at the bank, not here."""
    return record.name == "django.db.backends" and any(table in str(getattr(record, "sql", ""))
                                                        for table in THE_BANK_ITSELF)


@pytest.fixture
def every_query_logged(caplog):
    """Everything at DEBUG, including each SQL statement with its parameters (as DEBUG=1 development logs)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")  # Django's own default stops its loggers at INFO
    connection.force_debug_cursor = True
    yield
    connection.force_debug_cursor = False


def test_no_card_number_cvv2_or_pin2_reaches_our_logs_or_our_database(slip, other_slip, insured_user, outsider,
                                                                    client_for, portal_gateway, cards,
                                                                    every_query_logged, caplog, capsys):
    approve, approve_2, insufficient = cards
    # The first person: a refused card (its static PIN2), then a typo in the CVV2, then a dynamic password.
    payer = Client()
    refused = hand_off(client_for, insured_user, slip)
    at_the_bank(payer, refused)
    submit_card(payer, refused.token, insufficient)
    payer.get(reverse("payments:callback", args=[refused.order_id]), callback_fields(payer, refused.token))
    paid = hand_off(client_for, insured_user, slip)
    at_the_bank(payer, paid)
    submit_card(payer, paid.token, approve, cvv2="999")
    code = request_dynamic_password(payer, paid.token, approve)
    submit_card(payer, paid.token, approve, pin2="00000")  # a wrong second password first
    submit_card(payer, paid.token, approve, pin2=code)
    payer.get(reverse("payments:callback", args=[paid.order_id]), callback_fields(payer, paid.token))

    # The second person: the static PIN2 and SEP's v3.3 POST callback, which carries the masked card.
    change_settings(payer, callback_style="v3.3")
    other = Client()
    second = hand_off(client_for, outsider, other_slip)
    at_the_bank(other, second)
    submit_card(other, second.token, approve_2)
    fields = state_of(other, second.token)["callback"]["fields"]
    other.post(reverse("payments:callback", args=[second.order_id]), fields)

    assert [a.state for a in PaymentAttempt.objects.order_by("id")] == [State.FAILED, State.SUCCEEDED, State.SUCCEEDED]
    codes = list(DynamicPassword.objects.values_list("code", flat=True))
    patterns = secret_patterns([approve, approve_2, insufficient], codes)

    tables = connection.introspection.table_names()
    assert set(tables) >= THE_BANK_ITSELF
    scanned = [table for table in tables if table not in THE_BANK_ITSELF]
    assert {"payments_paymentattempt", "payments_paymentevent", "psp_simulator_event", "psp_simulator_transaction",
            "samt_auditevent", "django_session"} <= set(scanned)
    assert leaks(patterns, every_text_value(scanned)) == []

    logged = [(record.name, normalize_digits(record.getMessage())) for record in caplog.records
              if not is_the_banks_own_query(record)]
    assert len(logged) > 100, "too little was logged for the check to prove anything"
    printed = capsys.readouterr()
    assert leaks(patterns, [*logged, ("stdout", printed.out), ("stderr", printed.err)]) == []
    # The log can show a card number where there is one: the issuer's own lookups, left out above.
    assert leaks(patterns, [("log", r.getMessage()) for r in caplog.records if is_the_banks_own_query(r)])

    # The scan can see a card number where there is one (the issuer's card file) …
    assert leaks(patterns, every_text_value(["psp_simulator_testcard"]))
    # … and what we and the simulator's request log keep is the masked form.
    assert PaymentAttempt.objects.get(pk=paid.pk).masked_pan == "603799******2232"
    logged_pans = {e.payload.get("pan") for e in Event.objects.filter(kind="card_page") if e.payload.get("pan")}
    assert logged_pans == {"603799******2232", "610433******6678", "610433******3210"}
