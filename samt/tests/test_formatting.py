"""The kernel's formatting functions, which services call and the template filters wrap."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samt import formatting
from samt.persian import normalize_digits


@given(st.integers(min_value=0, max_value=10**15))
def test_rials_reads_back_as_the_same_amount(amount: int) -> None:
    shown = formatting.rials(amount)
    assert int(normalize_digits(shown).replace(formatting.THOUSANDS_SEPARATOR, "")) == amount


def test_rials_groups_thousands_with_the_persian_separator() -> None:
    assert formatting.rials(1_234_567) == "۱٬۲۳۴٬۵۶۷"


def test_jdate_shows_a_moment_as_the_day_in_tehran() -> None:
    assert formatting.jdate(date(2024, 3, 20)) == "۱۴۰۳/۰۱/۰۱"
    assert formatting.jdate(datetime(2026, 3, 20, 21, 0, tzinfo=UTC)) == "۱۴۰۵/۰۱/۰۱"
    assert formatting.jdatetime_text(datetime(2026, 3, 20, 21, 0, tzinfo=UTC)) == "۱۴۰۵/۰۱/۰۱ ساعت ۰۰:۳۰"


@pytest.mark.parametrize(("basis_points", "shown"), [(1200, "۱۲٪"), (1250, "۱۲٫۵٪"), (1205, "۱۲٫۰۵٪"), (2700, "۲۷٪")])
def test_percent_bp(basis_points: int, shown: str) -> None:
    assert formatting.percent_bp(basis_points) == shown


def test_decimals_and_wage_ratios() -> None:
    assert formatting.fa_decimal(Decimal("1234567.50")) == "۱٬۲۳۴٬۵۶۷٫۵"
    assert formatting.fa_decimal(Decimal("1.35")) == "۱٫۳۵"
    assert formatting.wage_ratio(135) == "۱٫۳۵"
    assert formatting.wage_ratio(100) == "۱٫۰۰"


def test_duration_in_whole_minutes_at_least_one() -> None:
    assert formatting.duration_minutes(timedelta(minutes=15)) == "۱۵ دقیقه"
    assert formatting.duration_minutes(timedelta(seconds=5)) == "۱ دقیقه"
