"""The insured ledger's scheduled job: reminder texts."""

from __future__ import annotations

from datetime import timedelta

from insured.reminders import lapse_warnings_send
from samt import worker


@worker.job("insured.reminders", every=timedelta(hours=1))
def send_reminders() -> str:
    return f"lapse warnings queued: {lapse_warnings_send()}"
