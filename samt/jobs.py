"""The kernel's scheduled jobs: the SMS sender, the delivery-status check and the audit trail's hash chain."""

from __future__ import annotations

from datetime import timedelta

from samt import worker
from samt.audit_chain import chain_extend
from samt.sms import sms_delivery_check, sms_send_due


@worker.job("sms.send", every=timedelta(seconds=5))
def send_queued_sms() -> str:
    return worker.summarise(sms_send_due())


@worker.job("sms.delivery", every=timedelta(minutes=1))
def check_sms_delivery() -> str:
    return worker.summarise(sms_delivery_check())


@worker.job("audit.chain", every=timedelta(seconds=10))
def link_audit_events() -> str:
    return worker.summarise({"linked": linked} if (linked := chain_extend()) else {})
