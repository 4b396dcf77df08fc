"""Premium arithmetic and the period rules of domain.md §2–4, as plain functions with no database.

Money is computed in integers: the wage ratio in hundredths and the rate in basis points make every
month line an exact fraction, rounded once, half up, to whole rials. That is the same result as Decimal
arithmetic with one ROUND_HALF_UP per line, and it is the formula the batch statement SQL uses too, so the
two can never disagree by a rial.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from samt.errors import DomainError
from samt.jalali import JalaliMonth
from samt.persian import to_persian_digits

RATIO_BASIS = 100  # a wage ratio of 1.35 is stored as 135
RATE_BASIS = 10_000  # a rate of 12 % is stored as 1200 basis points
MIN_RATIO = 100
MAX_RATIO = 700  # the insurable ceiling is 7 × the minimum wage
MAX_MONTHS_PER_SLIP = 12
LAPSE_MONTHS = 3
LAPSE_MONTHS_EXTENDED = 4


@dataclass(frozen=True)
class WageInForce:
    """The minimum and ceiling daily wages (rials) in force for one month."""

    min_daily: int
    ceiling_daily: int


@dataclass(frozen=True)
class MonthLine:
    month: JalaliMonth
    days: int
    ratio_hundredths: int
    min_daily: int
    daily_wage_base: int  # shown rounded; the premium uses the exact base
    capped: bool
    rate_bp: int
    premium: int
    per_capita: int
    persons: int

    @property
    def treatment(self) -> int:
        return self.per_capita * self.persons

    @property
    def amount(self) -> int:
        return self.premium + self.treatment

    @property
    def rate_percent(self) -> Decimal:
        return Decimal(self.rate_bp) / 100

    @property
    def wage_ratio(self) -> Decimal:
        return Decimal(self.ratio_hundredths) / RATIO_BASIS


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def wage_base_hundredths(ratio_hundredths: int, wage: WageInForce) -> int:
    """The daily wage base in hundredths of a rial: ratio × minimum, capped at the ceiling."""
    return min(ratio_hundredths * wage.min_daily, wage.ceiling_daily * RATIO_BASIS)


def month_premium(month: JalaliMonth, *, ratio_hundredths: int, rate_bp: int, wage: WageInForce) -> int:
    base = wage_base_hundredths(ratio_hundredths, wage)
    return divide_half_up(base * month.days * rate_bp, RATIO_BASIS * RATE_BASIS)


def month_line(
    month: JalaliMonth,
    *,
    ratio_hundredths: int,
    rate_bp: int,
    wage: WageInForce,
    per_capita: int = 0,
    persons: int = 0,
) -> MonthLine:
    base = wage_base_hundredths(ratio_hundredths, wage)
    return MonthLine(
        month=month,
        days=month.days,
        ratio_hundredths=ratio_hundredths,
        min_daily=wage.min_daily,
        daily_wage_base=divide_half_up(base, RATIO_BASIS),
        capped=base == wage.ceiling_daily * RATIO_BASIS,
        rate_bp=rate_bp,
        premium=month_premium(month, ratio_hundredths=ratio_hundredths, rate_bp=rate_bp, wage=wage),
        per_capita=per_capita,
        persons=persons,
    )


def lines_total(lines: list[MonthLine]) -> int:
    return sum(line.amount for line in lines)


# Period (clause 3 of the directive; domain.md §3–4) ------------------------------------------------------


def first_unpaid_month(first_month: JalaliMonth, last_paid: JalaliMonth | None) -> JalaliMonth:
    """The month after the last paid one, or the contract's first month when nothing was paid since."""
    if last_paid is None or last_paid < first_month:
        return first_month
    return last_paid.next()


def is_lapsed(first_unpaid: JalaliMonth, current: JalaliMonth, *, extended: bool) -> bool:
    """More than three (or, once extended, four) months without payment voids the contract."""
    return current - first_unpaid > (LAPSE_MONTHS_EXTENDED if extended else LAPSE_MONTHS)


def latest_end_month(first_unpaid: JalaliMonth, current: JalaliMonth) -> JalaliMonth:
    """The furthest month one slip may reach: Esfand of the current year, and at most twelve months."""
    return min(JalaliMonth.esfand(current.year), first_unpaid + (MAX_MONTHS_PER_SLIP - 1))


def fa(value: object) -> str:
    return to_persian_digits(value)


def check_period(first_unpaid: JalaliMonth, end: JalaliMonth, current: JalaliMonth) -> list[JalaliMonth]:
    """The months a slip from `first_unpaid` to `end` covers, or a DomainError saying why not."""
    esfand = JalaliMonth.esfand(current.year)
    if first_unpaid > esfand:
        raise DomainError(
            f"حق بیمه همه ماه‌ها تا {esfand.label} پرداخت شده است. برگ ماه‌های سال بعد از فروردین "
            f"{fa(current.year + 1)} صادر می‌شود."
        )
    if end < first_unpaid:
        raise DomainError(
            f"ماه پایان نمی‌تواند پیش از نخستین ماه پرداخت‌نشده ({first_unpaid.label}) باشد."
        )
    if end > esfand:
        raise DomainError(f"برگ پرداخت فقط تا پایان سال جاری صادر می‌شود؛ آخرین ماه ممکن {esfand.label} است.")
    months = first_unpaid.through(end)
    if len(months) > MAX_MONTHS_PER_SLIP:
        last = first_unpaid + (MAX_MONTHS_PER_SLIP - 1)
        raise DomainError(
            f"هر برگ پرداخت حداکثر {fa(MAX_MONTHS_PER_SLIP)} ماه را دربر می‌گیرد؛ ماه پایان را {last.label} "
            "یا پیش از آن انتخاب کنید."
        )
    return months


def check_not_lapsed(first_unpaid: JalaliMonth, current: JalaliMonth, *, extended: bool, branch: str) -> None:
    if is_lapsed(first_unpaid, current, extended=extended):
        allowed = fa(LAPSE_MONTHS_EXTENDED if extended else LAPSE_MONTHS)
        raise DomainError(
            f"حق بیمه از {first_unpaid.label} پرداخت نشده و بیش از {allowed} ماه گذشته است؛ بنابراین قرارداد شما "
            f"باطل شده و صدور برگ پرداخت ممکن نیست. برای بستن قرارداد تازه به {branch} مراجعه کنید."
        )


# The gate of clause 6 --------------------------------------------------------------------------------------

STATEMENT_COMPUTED = "computed"
STATEMENT_ISSUED = "issued"
STATEMENT_SETTLED = "settled"


def check_statement_gate(*, year: int, status: str | None, branch: str) -> None:
    """Slips for a new year open only once the previous year's statement is issued and settled."""
    if status is None or status == STATEMENT_COMPUTED:
        raise DomainError(
            f"گردش حساب سال {fa(year)} شما هنوز صادر نشده است. پیش از صدور برگ پرداخت ماه‌های تازه، به "
            f"{branch} مراجعه کنید تا گردش حساب و در صورت بدهی، برگ بدهی ایام گذشته برایتان صادر شود."
        )
    if status == STATEMENT_ISSUED:
        raise DomainError(
            f"گردش حساب سال {fa(year)} شما بدهی پرداخت‌نشده دارد. برگ بدهی ایام گذشته را از {branch} بگیرید و "
            "بپردازید؛ پس از آن صدور اینترنتی ماه‌های بعد باز می‌شود."
        )
