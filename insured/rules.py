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
from samt.formatting import fa_digits as fa
from samt.jalali import JalaliMonth

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


class SeeTheBranch(DomainError):
    """A refusal that only a visit to the branch can resolve (a lapsed contract, a statement that could not be
    computed): the pages tell the person what to bring, and the simulated year counts who was sent."""


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
        raise SeeTheBranch(
            f"حق بیمه از {first_unpaid.label} پرداخت نشده و بیش از {allowed} ماه گذشته است؛ بنابراین قرارداد شما "
            f"باطل شده و صدور برگ پرداخت ممکن نیست. برای بستن قرارداد تازه به {branch} مراجعه کنید."
        )


# The gate of clause 6 --------------------------------------------------------------------------------------

STATEMENT_COMPUTED = "computed"
STATEMENT_ISSUED = "issued"
STATEMENT_SETTLED = "settled"


YEAR_NOT_CLOSED = ("گردش حساب سال {year} تا پایان آن سال محاسبه و صادر نمی‌شود؛ ماه‌هایی که تا اسفند پرداخت "
                   "می‌شوند و تغییر نرخ‌ها هنوز باید به آن برسند.")


def check_year_closed(year: int, current: JalaliMonth) -> None:
    """A statement closes its year for good, so only a year before the current Jalali year is computed or issued."""
    if year >= current.year:
        raise DomainError(YEAR_NOT_CLOSED.format(year=fa(year)))


# The cases of the gate, each with what the person should do. Only a statement that could not be computed
# sends them to the branch: the year-end run issues every other one, and a debt slip is paid online.
GATE_NOT_COMPUTED = (
    "گردش حساب سال {year} شما محاسبه نشد (اطلاعاتی از پرونده شما کم است یا سابقه‌ای از سامانه پیشین در دست "
    "بررسی است). برای تکمیل پرونده و صدور گردش حساب به {branch} مراجعه کنید."
)
GATE_WAITING_FOR_RUN = (
    "گردش حساب سال {year} شما در اجرای پایان سال صادر می‌شود و هنوز آماده نیست. نیازی به مراجعه به شعبه "
    "نیست؛ پس از صدور، همین‌جا آن را می‌بینید."
)
GATE_PAY_DEBT_HERE = (
    "گردش حساب سال {year} شما بدهی دارد و برگ بدهی ایام گذشته برایتان صادر شده است. آن را همین‌جا با کارت "
    "بپردازید؛ پس از پرداخت، صدور برگ ماه‌های بعد باز می‌شود."
)
GATE_DEBT_NO_SLIP = (
    "گردش حساب سال {year} شما بدهی پرداخت‌نشده دارد و برگ بدهی بازی برای آن نیست. برای صدور برگ بدهی ایام "
    "گذشته به {branch} مراجعه کنید."
)


def check_statement_gate(*, year: int, status: str | None, branch: str, open_debt_slip: bool = False) -> None:
    """Slips for a new year open only once the previous year's statement is issued and settled."""
    if status is None:
        raise SeeTheBranch(GATE_NOT_COMPUTED.format(year=fa(year), branch=branch))
    if status == STATEMENT_COMPUTED:
        raise DomainError(GATE_WAITING_FOR_RUN.format(year=fa(year)))
    if status == STATEMENT_ISSUED:
        if open_debt_slip:
            raise DomainError(GATE_PAY_DEBT_HERE.format(year=fa(year)))
        raise SeeTheBranch(GATE_DEBT_NO_SLIP.format(year=fa(year), branch=branch))


FIRST_MONTH_LAPSED = ("نخستین ماه {first} است و تا امروز ({current}) بیش از {allowed} ماه از آن گذشته است؛ "
                      "قراردادی با این ماه همان روز باطل می‌شود. نخستین ماه را {earliest} یا پس از آن انتخاب کنید.")


def check_first_month_not_lapsed(first_month: JalaliMonth, current: JalaliMonth) -> None:
    """A new contract with nothing paid must not be lapsed on the day it is made."""
    if is_lapsed(first_month, current, extended=False):
        raise DomainError(FIRST_MONTH_LAPSED.format(
            first=first_month.label, current=current.label, allowed=fa(LAPSE_MONTHS),
            earliest=(current - LAPSE_MONTHS).label))


def extension_would_help(first_unpaid: JalaliMonth, current: JalaliMonth) -> bool:
    """The four-month window saves a contract only when it is lapsed under three months and not under four."""
    return is_lapsed(first_unpaid, current, extended=False) and not is_lapsed(first_unpaid, current, extended=True)


def masked_name(first_name: str, last_name: str) -> str:
    """Enough to recognise one's own slip, not enough to learn a stranger's name (public slip pages)."""
    return " ".join(f"{word[0]}{'*' * 3}" for word in f"{first_name} {last_name}".split())
