"""Finishes payments whose browser never came back: once, or every N seconds with --loop."""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser

from payments.services import payment_reconcile


class Command(BaseCommand):
    help = "Drives every unfinished payment attempt through the same path as the bank's callback."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="run again every SECONDS until stopped")
        parser.add_argument("--quiet-for", type=int, default=30, metavar="SECONDS",
                            help="leave attempts that moved in the last SECONDS to their own callback (default 30)")

    def handle(self, *args: object, loop: int | None, quiet_for: int, **options: object) -> None:
        while True:
            outcome = payment_reconcile(older_than=timedelta(seconds=quiet_for))
            if outcome or not loop:
                summary = ", ".join(f"{state}: {count}" for state, count in sorted(outcome.items())) or "nothing to do"
                self.stdout.write(f"reconciled — {summary}")
            if not loop:
                return
            time.sleep(loop)
