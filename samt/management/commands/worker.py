"""One process for every scheduled job (samt.worker): the payment reconciler, the SMS sender, reminders, and
whatever other apps register. Safe to start on every application server; see docs/worker.md."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, connection

from samt import worker

logger = logging.getLogger("samt.worker")


class Command(BaseCommand):
    help = "Runs the scheduled jobs (reconciler, SMS sender, reminders ...) until stopped by SIGTERM or Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every job that is due once, then exit")
        parser.add_argument("--tick", type=float, default=2.0, metavar="SECONDS",
                            help="how often to look for due jobs (default 2)")
        parser.add_argument("--job", action="append", dest="only", metavar="NAME",
                            help="run only this job (repeatable)")
        parser.add_argument("--list", action="store_true", dest="list_jobs", help="print the registered jobs and exit")

    def handle(self, *args: object, once: bool, tick: float, only: list[str] | None, list_jobs: bool,
               **options: object) -> None:
        if list_jobs:
            for registered in worker.jobs():
                self.stdout.write(f"{registered.name}\tevery {registered.every.total_seconds():g} s")
            return
        unknown = sorted(set(only or []) - {registered.name for registered in worker.jobs()})
        if unknown:
            self.stderr.write(f"unknown job: {', '.join(unknown)}")
            raise SystemExit(2)
        if once:
            self.report(worker.run_due(only=only))
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            # Finish the job in hand, then leave: nothing is cut off halfway through a provider call.
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        logger.info("worker started: %s", ", ".join(registered.name for registered in worker.jobs()))
        while not stop.is_set():
            try:
                self.report(worker.run_due(only=only))
            except DatabaseError:
                # A restarting database, or SQLite busy beside runserver: the jobs are still due next tick.
                logger.exception("worker: this tick failed on the database; trying again in %s s", tick)
                connection.close()
            stop.wait(tick)
        logger.info("worker stopped")

    def report(self, said: dict[str, str]) -> None:
        for name, summary in said.items():
            if summary != "nothing to do":
                self.stdout.write(f"{name}: {summary}")
