"""Payments' scheduled job: the reconciler, which finishes attempts whose browser never came back."""

from __future__ import annotations

from datetime import timedelta

from payments.services import payment_reconcile_by_psp
from samt import worker

# An attempt that moved less than this long ago is left to its own callback.
QUIET_FOR = timedelta(seconds=30)


@worker.job("payments.reconcile", every=timedelta(seconds=20))
def reconcile() -> str:
    return summarise_by_psp(payment_reconcile_by_psp(older_than=QUIET_FOR))


def summarise_by_psp(outcome: dict[str, dict[str, int]]) -> str:
    """One clause per PSP terminal, as "psp/terminal — state: count, …; …"."""
    return "; ".join(f"{gateway} — {worker.summarise(counts)}" for gateway, counts in sorted(outcome.items())) \
        or worker.summarise({})
