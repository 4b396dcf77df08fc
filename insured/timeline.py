"""The paid-months grid: one row per year, twelve cells, each paid, unpaid, not due yet or before the contract."""

from __future__ import annotations

from dataclasses import dataclass

from insured.models import Contract, CoveredMonth
from samt.jalali import JalaliMonth

PAID = "paid"
UNPAID = "unpaid"
OUTSIDE = "outside"  # before the contract's first month
NOT_DUE = "not_due"  # after the current month: not owed yet, and payable ahead on a slip


@dataclass(frozen=True)
class Cell:
    month: JalaliMonth
    state: str
    covered: CoveredMonth | None = None


@dataclass(frozen=True)
class YearRow:
    year: int
    cells: list[Cell]

    @property
    def paid_count(self) -> int:
        return sum(cell.state == PAID for cell in self.cells)


def contract_timeline(contract: Contract, current: JalaliMonth) -> list[YearRow]:
    covered = {c.month: c for c in CoveredMonth.objects.filter(contract=contract)}
    last_year = max([current.year, *(m.year for m in covered)])
    return [
        YearRow(year=year, cells=[_cell(JalaliMonth(year, m), contract.first_month, current, covered)
                                  for m in range(1, 13)])
        for year in range(contract.first_month.year, last_year + 1)
    ]


def _cell(month: JalaliMonth, first: JalaliMonth, current: JalaliMonth,
          covered: dict[JalaliMonth, CoveredMonth]) -> Cell:
    if month in covered:
        return Cell(month, PAID, covered[month])
    if month < first:
        return Cell(month, OUTSIDE)
    if month > current:
        return Cell(month, NOT_DUE)
    return Cell(month, UNPAID)
