"""How numbers, money and dates look on every page: Persian digits, Jalali calendar, Tehran time.

{% load samt_format %} then {{ n|fa_digits }}, {{ amount|rials }}, {{ day|jdate }},
{{ moment|jdatetime }}, {{ month|jmonth }}. None renders as an em dash; a value of the wrong
type is returned unchanged rather than hidden, so the mistake shows on the page. The writing itself is
samt.formatting's: these filters only wrap it for templates.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django import template

from samt import formatting
from samt.formatting import EMPTY
from samt.jalali import JalaliMonth

register = template.Library()


@register.filter(is_safe=True)
def fa_digits(value: Any) -> str:
    """Any value, with ASCII digits shown as Persian digits."""
    return EMPTY if value is None else formatting.fa_digits(value)


@register.filter
def rials(value: Any) -> Any:
    """Integer rials with Persian digits and separators: 1234567 → "۱٬۲۳۴٬۵۶۷" (no unit)."""
    if value is None:
        return EMPTY
    amount = _whole_number(value)
    if amount is None:
        return value  # money is whole rials; a float or a fraction here is a bug to see
    return formatting.rials(amount)


@register.filter
def jdate(value: Any) -> Any:
    """A date, or a datetime seen in Tehran: "۱۴۰۵/۰۱/۰۱"."""
    if value is None:
        return EMPTY
    return formatting.jdate(value) if isinstance(value, date) else value


@register.filter(name="jdatetime")
def jalali_datetime(value: Any) -> Any:
    """A datetime seen in Tehran: "۱۴۰۵/۰۱/۰۱ ساعت ۱۴:۰۵"."""
    if not isinstance(value, datetime):
        return jdate(value)
    return formatting.jdatetime_text(value)


@register.filter
def jmonth(value: Any) -> Any:
    """A JalaliMonth or YYYYMM: "فروردین ۱۴۰۵"."""
    if value is None:
        return EMPTY
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            value = JalaliMonth.from_int(value)
        except ValueError:
            return value
    return value.label if isinstance(value, JalaliMonth) else value


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return None


@register.filter
def fa_duration(value: Any) -> str:
    """A timedelta in whole minutes, in Persian: timedelta(minutes=15) → "۱۵ دقیقه"."""
    if not isinstance(value, timedelta):
        return ""
    return formatting.duration_minutes(value)


@register.filter
def percent_bp(value: Any) -> str:
    """A rate in basis points as a Persian percentage: 1200 → "۱۲٪", 1250 → "۱۲٫۵٪"."""
    if not isinstance(value, int):
        return EMPTY if value is None else value
    return formatting.percent_bp(value)


@register.filter
def jmonth_int(value: Any) -> Any:
    """A JalaliMonth as its YYYYMM integer, for form values and query strings."""
    return value.as_int() if isinstance(value, JalaliMonth) else value


@register.filter
def fa_decimal(value: Any) -> str:
    """A decimal number with Persian digits and the Persian decimal separator: 1.35 → "۱٫۳۵"."""
    if value is None:
        return EMPTY
    return formatting.fa_decimal(value) if isinstance(value, Decimal) else formatting.fa_digits(value)

