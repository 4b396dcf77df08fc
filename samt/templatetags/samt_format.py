"""How numbers, money and dates look on every page: Persian digits, Jalali calendar, Tehran time.

{% load samt_format %} then {{ n|fa_digits }}, {{ amount|rials }}, {{ day|jdate }},
{{ moment|jdatetime }}, {{ month|jmonth }}. None renders as an em dash; a value of the wrong
type is returned unchanged rather than hidden, so the mistake shows on the page. The writing itself is
samt.formatting's: these filters only wrap it for templates.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

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



# On pages <bdi dir="ltr"> keeps a left-to-right value in order inside right-to-left text. WeasyPrint ignores
# CSS unicode-bidi and the direction of inline elements, but its text engine honours the Unicode isolates, so in
# a PDF (the filter's argument "pdf") the value is wrapped in left-to-right isolate … pop directional isolate.
LRI, PDI = "\u2066", "\u2069"
_LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/@+-]*[A-Za-z0-9]|[A-Za-z]")


def _isolated(text: str, where: str, css_class: str = "") -> str:
    if where == "pdf":
        return format_html("{}{}{}", LRI, text, PDI)
    return format_html('<bdi dir="ltr"{}>{}</bdi>', format_html(' class="{}"', css_class) if css_class else "", text)


@register.filter
def ref(value: Any, where: str = "") -> str:
    """An identifier that is case- or script-sensitive (a bank reference, a code, a key): kept as typed, Latin
    digits, isolated left to right."""
    return EMPTY if value in (None, "") else _isolated(str(value), where, "ref")


@register.filter
def ltr_num(value: Any, where: str = "") -> str:
    """A number with separators (a phone, a slip or receipt number): Persian digits, read left to right, so
    021-88700000 never becomes 88700000-021."""
    return EMPTY if value in (None, "") else _isolated(formatting.fa_digits(value), where)


@register.filter
def ltr_runs(value: Any) -> str:
    """Persian text with identifiers in it (an audit subject, a label built in code): each Latin run isolated
    left to right."""
    if value in (None, ""):
        return EMPTY
    text, at = str(value), 0
    pieces: list[str] = []
    for match in _LATIN_RUN.finditer(text):
        pieces.append(conditional_escape(text[at:match.start()]))
        pieces.append(_isolated(match.group(0), ""))
        at = match.end()
    pieces.append(conditional_escape(text[at:]))
    return mark_safe("".join(pieces))
