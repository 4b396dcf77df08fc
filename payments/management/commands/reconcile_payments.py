"""Finishes payments whose browser never came back, once (the worker runs the same job on its schedule)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser

from payments.jobs import summarise_by_psp
from payments.services import payment_reconcile_by_psp


class Command(BaseCommand):
    help = ("Drives every unfinished payment attempt through the same path as the bank's callback, once. "
            "`manage.py worker` runs this every 20 s.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-for", type=int, default=30, metavar="SECONDS",
                            help="leave attempts that moved in the last SECONDS to their own callback (default 30)")

    def handle(self, *args: object, quiet_for: int, **options: object) -> None:
        outcome = payment_reconcile_by_psp(older_than=timedelta(seconds=quiet_for))
        self.stdout.write(f"reconciled: {summarise_by_psp(outcome)}")
