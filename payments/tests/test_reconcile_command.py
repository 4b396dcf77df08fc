"""The reconciler command runs the worker's reconcile job once."""

from __future__ import annotations

from django.core.management import call_command


def test_once_it_says_what_it_did_even_when_nothing(db, capsys):
    call_command("reconcile_payments")
    assert capsys.readouterr().out == "reconciled: nothing to do\n"
