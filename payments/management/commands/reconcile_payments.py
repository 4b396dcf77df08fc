"""Finishes payments whose browser never came back: once, or every N seconds with --loop."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

from payments.services import payment_reconcile

logger = logging.getLogger("samt.payments")


class Command(BaseCommand):
    help = "Drives every unfinished payment attempt through the same path as the bank's callback."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, metavar="SECONDS", help="run again every SECONDS until stopped")
        parser.add_argument("--quiet-for", type=int, default=30, metavar="SECONDS",
                            help="leave attempts that moved in the last SECONDS to their own callback (default 30)")

    def handle(self, *args: object, loop: int | None, quiet_for: int, **options: object) -> None:
        if not loop:
            self.report(payment_reconcile(older_than=timedelta(seconds=quiet_for)), always=True)
            return
        while True:
            try:
                self.report(payment_reconcile(older_than=timedelta(seconds=quiet_for)), always=False)
            except DatabaseError:
                # A busy or restarting database (SQLite "database is locked" beside runserver) must not end the
                # loop: the attempts are still there next round, inside their windows.
                logger.exception("reconciler: this round failed; trying again in %s s", loop)
                close_old_connections()
            time.sleep(loop)

    def report(self, outcome: dict[str, int], *, always: bool) -> None:
        if outcome or always:
            summary = ", ".join(f"{state}: {count}" for state, count in sorted(outcome.items())) or "nothing to do"
            self.stdout.write(f"reconciled — {summary}")
