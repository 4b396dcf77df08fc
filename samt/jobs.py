"""The kernel's scheduled jobs: the SMS sender."""

from __future__ import annotations

from datetime import timedelta

from samt import worker
from samt.sms import sms_send_due


@worker.job("sms.send", every=timedelta(seconds=5))
def send_queued_sms() -> str:
    return worker.summarise(sms_send_due())
