"""The kernel's scheduled jobs: the SMS sender and the delivery-status check."""

from __future__ import annotations

from datetime import timedelta

from samt import worker
from samt.sms import sms_delivery_check, sms_send_due


@worker.job("sms.send", every=timedelta(seconds=5))
def send_queued_sms() -> str:
    return worker.summarise(sms_send_due())


@worker.job("sms.delivery", every=timedelta(minutes=1))
def check_sms_delivery() -> str:
    return worker.summarise(sms_delivery_check())
