"""simulate_year --people N --seed S: a province of N insured lived through fourteen months across a Nowruz."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from simulation.province import SimulationRefused
from simulation.year import HARMS, Year


class Command(BaseCommand):
    help = ("Lives a province of N synthetic insured through fourteen months (Mehr 1404 to Aban 1405) on a virtual "
            "clock and prints who was harmed; exits non-zero on any harm. Needs an empty database.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=90, metavar="N")
        parser.add_argument("--seed", type=int, default=1405, metavar="S")
        parser.add_argument("--quiet", action="store_true", help="no progress line")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["people"] < 1:
            raise CommandError("--people must be at least 1")
        progress = None if options["quiet"] else self._progress
        try:
            outcome = Year(options["people"], options["seed"], progress).run()
        except SimulationRefused as refusal:
            raise CommandError(str(refusal)) from None
        if progress:
            self.stderr.write("", ending="\n")
        facts = ", ".join(f"{name} {value:,}" for name, value in sorted(outcome.facts.items()))
        self.stdout.write(f"simulated {options['people']:,} people, seed {options['seed']}, "
                          f"{outcome.seconds:.1f} s: {facts}")
        for kind, label in HARMS.items():
            self.stdout.write(f"{outcome.harms[kind]:>8,}  {label}")
        if outcome.harmful:
            for kind, who in sorted(outcome.harmed.items()):
                self.stdout.write(f"{kind}: people {sorted(who)[:20]}")
            raise CommandError("somebody was harmed", returncode=1)

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(f"\r{done:,}/{total:,} events", style_func=str, ending="")
        self.stderr.flush()
