"""Payments' scheduled job: the reconciler, which finishes attempts whose browser never came back."""

from __future__ import annotations

from datetime import timedelta

from payments.services import payment_reconcile
from samt import worker

# An attempt that moved less than this long ago is left to its own callback.
QUIET_FOR = timedelta(seconds=30)


@worker.job("payments.reconcile", every=timedelta(seconds=20))
def reconcile() -> str:
    return worker.summarise(payment_reconcile(older_than=QUIET_FOR))
