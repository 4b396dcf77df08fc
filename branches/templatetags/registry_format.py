"""Filters for the registry pages: wage ratios, the size of a signed amount, amounts in words."""

from __future__ import annotations

from django import template

from samt import formatting
from samt.persian_words import rials_in_words

register = template.Library()


@register.filter
def wage_ratio(hundredths: int) -> str:
    """135 → "۱٫۳۵" (times the minimum wage)."""
    return formatting.wage_ratio(hundredths)


@register.filter
def absolute(value: int) -> int:
    return abs(value)


@register.filter
def in_words(amount: int) -> str:
    """An amount of rials in Persian words, as written under the figures on a document."""
    return rials_in_words(amount)
