"""How numbers, money and dates are written for people: Persian digits, the Jalali calendar, Tehran time.

Plain functions of typed values. Services (SMS texts, messages), views and PDFs call them directly; the template
filters in samt.templatetags.samt_format wrap them, adding only what a template needs (None shown as an em dash,
a value of the wrong type shown as it is). Amounts in words are in samt.persian_words.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import jdatetime

from samt.jalali import TEHRAN
from samt.persian import to_persian_digits

EMPTY = "—"
THOUSANDS_SEPARATOR = "\u066c"  # ARABIC THOUSANDS SEPARATOR, the Persian one
DECIMAL_SEPARATOR = "\u066b"  # ARABIC DECIMAL SEPARATOR


def fa_digits(value: object) -> str:
    """Any value as text, with ASCII digits shown as Persian digits."""
    return to_persian_digits(value)


def rials(amount: int) -> str:
    """Integer rials with Persian digits and separators: 1234567 → "۱٬۲۳۴٬۵۶۷" (no unit)."""
    return to_persian_digits(f"{amount:,}".replace(",", THOUSANDS_SEPARATOR))


def in_tehran(moment: datetime) -> datetime:
    """An aware datetime as the clock in Tehran showed it. Naive ones stay as they are, as Django's date filter
    shows them."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment
    return moment.astimezone(TEHRAN)


def jdate(day: date) -> str:
    """A date, or a datetime seen in Tehran: "۱۴۰۵/۰۱/۰۱"."""
    if isinstance(day, datetime):
        day = in_tehran(day).date()
    jalali = jdatetime.date.fromgregorian(date=day)
    return to_persian_digits(f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}")


def jdatetime_text(moment: datetime) -> str:
    """A datetime seen in Tehran: "۱۴۰۵/۰۱/۰۱ ساعت ۱۴:۰۵"."""
    local = in_tehran(moment)
    return f"{jdate(local)} ساعت {to_persian_digits(f'{local:%H:%M}')}"


def duration_minutes(span: timedelta) -> str:
    """A span in whole minutes (at least one): timedelta(minutes=15) → "۱۵ دقیقه"."""
    minutes = max(1, round(span.total_seconds() / 60))
    return f"{to_persian_digits(minutes)} دقیقه"


def percent_bp(basis_points: int) -> str:
    """A rate in basis points as a Persian percentage: 1200 → "۱۲٪", 1250 → "۱۲٫۵٪"."""
    whole, hundredths = divmod(basis_points, 100)
    text = str(whole) if not hundredths else f"{whole}{DECIMAL_SEPARATOR}{hundredths:02d}".rstrip("0")
    return f"{to_persian_digits(text)}٪"


def fa_decimal(value: Decimal) -> str:
    """1234567.50 → "۱٬۲۳۴٬۵۶۷٫۵": Persian digits and separators, no trailing zeros."""
    text = format(value.normalize(), ",f")
    return to_persian_digits(text.replace(",", THOUSANDS_SEPARATOR).replace(".", DECIMAL_SEPARATOR))


def wage_ratio(hundredths: int) -> str:
    """A wage in hundredths of the minimum wage: 135 → "۱٫۳۵" (times the minimum wage)."""
    whole, cents = divmod(hundredths, 100)
    return to_persian_digits(f"{whole}{DECIMAL_SEPARATOR}{cents:02d}")
