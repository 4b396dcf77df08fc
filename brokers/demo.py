"""The demo fee tariff, called by `seed_demo` inside its transaction.

The figure is made up for trying the portal: the real tariff is whatever HQ's approval says, entered by HQ in
the admin. Safe to run again: the demo row is found by its approval reference and brought back to these values,
and nothing is added where HQ already entered a tariff for the year.
"""

from __future__ import annotations

from io import TextIOBase

from brokers.models import FeeService, FeeTariff
from samt.jalali import JalaliMonth

DEMO_FEE = 500_000  # rials; a demo figure, not an approved tariff
DEMO_APPROVAL = "نمونه آزمایشی — این تعرفه مصوب نیست"


def seed_brokers_demo(stdout: TextIOBase, *, current: JalaliMonth | None = None) -> None:
    current = current or JalaliMonth.current()
    year = current.year
    first, last = JalaliMonth(year, 1).first_day, JalaliMonth.esfand(year).last_day
    tariffs = FeeTariff.objects.filter(service=FeeService.SLIP_ISSUE, year=year)
    if tariffs.exclude(approval_reference=DEMO_APPROVAL).exists():
        stdout.write(f"  broker fee tariff {year}: HQ's own tariff is on record; no demo tariff added.")
        return
    FeeTariff.objects.update_or_create(
        service=FeeService.SLIP_ISSUE, approval_reference=DEMO_APPROVAL, year=year,
        defaults={"amount": DEMO_FEE, "effective_from": first, "effective_to": last},
    )
    stdout.write(f"  broker fee tariff {year}: {DEMO_FEE:,} rials per slip (a demo figure, not an approved tariff).")
