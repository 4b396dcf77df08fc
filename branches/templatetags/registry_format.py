"""Filters for the registry pages: rates, wage ratios and amounts written out in words."""

from __future__ import annotations

from decimal import Decimal

from django import template

from insured import rules
from samt.persian import to_persian_digits
from samt.persian_words import rials_in_words

register = template.Library()


@register.filter
def percent_bp(basis_points: int) -> str:
    """1200 → "۱۲٪", 1250 → "۱۲٫۵٪"."""
    value = (Decimal(basis_points) / 100).normalize()
    return f"{to_persian_digits(format(value, 'f')).replace('.', '٫')}٪"


@register.filter
def wage_ratio(hundredths: int) -> str:
    """135 → "۱٫۳۵" (times the minimum wage)."""
    whole, cents = divmod(hundredths, rules.RATIO_BASIS)
    return to_persian_digits(f"{whole}٫{cents:02d}")


@register.filter
def in_words(amount: int) -> str:
    """An amount of rials in Persian words, as written under the figures on a document."""
    return rials_in_words(amount)


@register.filter
def absolute(value: int) -> int:
    return abs(value)
