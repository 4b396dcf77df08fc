"""The reconciler command: once, or in a loop that a failed round does not end."""

from __future__ import annotations

import logging

import pytest
from django.core.management import call_command
from django.db import OperationalError

from payments.management.commands import reconcile_payments


class Stop(Exception):
    pass


def test_once_it_says_what_it_did_even_when_nothing(db, capsys):
    call_command("reconcile_payments")
    assert capsys.readouterr().out == "reconciled — nothing to do\n"


def test_a_round_that_fails_on_the_database_does_not_end_the_loop(monkeypatch, caplog, capsys):
    rounds = iter([OperationalError("database is locked"), {"succeeded": 1}])

    def reconcile(**kwargs):
        outcome = next(rounds)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    sleeps: list[int] = []

    def sleep(seconds: int) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise Stop

    monkeypatch.setattr(reconcile_payments, "payment_reconcile", reconcile)
    monkeypatch.setattr(reconcile_payments, "close_old_connections", lambda: None)
    monkeypatch.setattr(reconcile_payments.time, "sleep", sleep)
    with pytest.raises(Stop):
        call_command("reconcile_payments", "--loop", "20")
    assert sleeps == [20, 20]
    assert capsys.readouterr().out == "reconciled — succeeded: 1\n"  # a quiet round prints nothing
    assert any(r.levelno == logging.ERROR and "this round failed" in r.getMessage() for r in caplog.records)
