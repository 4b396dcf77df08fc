from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samt.jalali import (
    MONTH_NAMES,
    MONTH_OUT_OF_RANGE,
    MONTH_TEXT_INVALID,
    JalaliMonth,
    is_leap_year,
)

months = st.builds(JalaliMonth, st.integers(1, 9377), st.integers(1, 12))
# Far enough from both ends of the calendar that adding up to 500 years stays inside it.
middle_months = st.builds(JalaliMonth, st.integers(1000, 8000), st.integers(1, 12))
offsets = st.integers(-6000, 6000)

EVERY_MONTH_1300_TO_1500 = JalaliMonth(1300, 1).through(JalaliMonth(1500, 12))


# Construction and text ---------------------------------------------------------------------------


@given(months)
def test_int_form_round_trips(month: JalaliMonth) -> None:
    assert JalaliMonth.from_int(month.as_int()) == month


@given(months)
def test_text_form_round_trips(month: JalaliMonth) -> None:
    assert JalaliMonth.parse(str(month)) == month


def test_it_reads_and_writes_yyyymm() -> None:
    assert JalaliMonth.from_int(140501) == JalaliMonth(1405, 1)
    assert JalaliMonth(1405, 1).as_int() == 140501
    assert str(JalaliMonth(1405, 1)) == "1405/01"


@pytest.mark.parametrize("text", ["1405/01", "1405-1", "۱۴۰۵/۰۱", " ١٤٠٥ / ١ ", "\u200f1405/01"])
def test_it_parses_the_ways_people_type_a_month(text: str) -> None:
    assert JalaliMonth.parse(text) == JalaliMonth(1405, 1)


@pytest.mark.parametrize("text", ["", "1405", "140501", "05/01", "1405/1/1", "1405.01", "abc"])
def test_it_refuses_text_that_is_not_a_month(text: str) -> None:
    with pytest.raises(ValueError, match=MONTH_TEXT_INVALID):
        JalaliMonth.parse(text)


@pytest.mark.parametrize("text", ["1405/13", "1405/00", "0000/01"])
def test_it_refuses_a_month_outside_the_calendar(text: str) -> None:
    with pytest.raises(ValueError, match=MONTH_OUT_OF_RANGE):
        JalaliMonth.parse(text)


@pytest.mark.parametrize(("year", "month"), [(1405, 0), (1405, 13), (0, 1), (9378, 1)])
def test_it_refuses_to_build_an_impossible_month(year: int, month: int) -> None:
    with pytest.raises(ValueError, match=MONTH_OUT_OF_RANGE):
        JalaliMonth(year, month)


@pytest.mark.parametrize("value", [140500, 140513, -1, True])
def test_from_int_refuses_a_bad_yyyymm(value: int) -> None:
    with pytest.raises(ValueError):
        JalaliMonth.from_int(value)


def test_it_refuses_non_integer_parts() -> None:
    with pytest.raises(TypeError):
        JalaliMonth("1405", 1)  # type: ignore[arg-type]


def test_it_is_frozen_and_hashable() -> None:
    month = JalaliMonth(1405, 1)
    with pytest.raises(AttributeError):
        month.year = 1406  # type: ignore[misc]
    assert {month, JalaliMonth(1405, 1)} == {month}


# Arithmetic and order ------------------------------------------------------------------------------


@given(middle_months, offsets)
def test_adding_and_subtracting_months_are_inverse(month: JalaliMonth, offset: int) -> None:
    assert (month + offset) - offset == month
    assert (month + offset) - month == offset
    assert offset + month == month + offset


@given(months, months)
def test_order_matches_the_int_form(a: JalaliMonth, b: JalaliMonth) -> None:
    assert (a < b) == (a.as_int() < b.as_int())
    assert (a == b) == (a.as_int() == b.as_int())
    assert (a - b < 0) == (a < b)


def test_arithmetic_crosses_years() -> None:
    assert JalaliMonth(1404, 12) + 1 == JalaliMonth(1405, 1)
    assert JalaliMonth(1405, 1) - 1 == JalaliMonth(1404, 12)
    assert JalaliMonth(1404, 11) + 14 == JalaliMonth(1406, 1)
    assert JalaliMonth(1405, 3) - JalaliMonth(1403, 12) == 15
    assert JalaliMonth(1404, 12).next() == JalaliMonth(1405, 1)
    assert JalaliMonth(1405, 1).previous() == JalaliMonth(1404, 12)


def test_it_cannot_step_past_the_calendar() -> None:
    with pytest.raises(ValueError):
        JalaliMonth(9377, 12).next()


def test_it_does_not_add_other_types() -> None:
    with pytest.raises(TypeError):
        JalaliMonth(1405, 1) + 1.0  # type: ignore[operator]
    with pytest.raises(TypeError):
        JalaliMonth(1405, 1) + True  # type: ignore[operator]


def test_through_is_an_inclusive_range() -> None:
    start = JalaliMonth(1404, 11)
    assert start.through(JalaliMonth(1405, 2)) == [
        JalaliMonth(1404, 11),
        JalaliMonth(1404, 12),
        JalaliMonth(1405, 1),
        JalaliMonth(1405, 2),
    ]
    assert start.through(start) == [start]
    assert start.through(JalaliMonth(1404, 10)) == []


@given(middle_months, st.integers(-30, 30))
def test_through_has_one_month_per_step(start: JalaliMonth, offset: int) -> None:
    span = start.through(start + offset)
    assert len(span) == max(offset + 1, 0)
    assert all(later - earlier == 1 for earlier, later in pairwise(span))


# Calendar ----------------------------------------------------------------------------------------


def test_days_agree_with_jdatetime_for_every_month_1300_to_1500() -> None:
    for month in EVERY_MONTH_1300_TO_1500:
        assert month.days == jdatetime.j_days_in_month[month.month - 1] + (
            1 if month.month == 12 and jdatetime.date(month.year, 1, 1).isleap() else 0
        ), month


def test_first_and_last_day_agree_with_jdatetime_for_every_month_1300_to_1500() -> None:
    for month in EVERY_MONTH_1300_TO_1500:
        assert month.first_day == jdatetime.date(month.year, month.month, 1).togregorian()
        last = jdatetime.date(month.year, month.month, month.days)
        assert month.last_day == last.togregorian()
        assert (last + jdatetime.timedelta(days=1)).day == 1, month
        assert (month.last_day - month.first_day).days + 1 == month.days


def test_consecutive_months_are_contiguous_1300_to_1500() -> None:
    for month in EVERY_MONTH_1300_TO_1500:
        assert month.last_day + timedelta(days=1) == month.next().first_day, month


@given(st.dates(date(700, 1, 1), date(9000, 12, 31)))
def test_of_date_finds_the_month_containing_the_day(day: date) -> None:
    month = JalaliMonth.of_date(day)
    assert month.first_day <= day <= month.last_day


@pytest.mark.parametrize("year", [1399, 1403, 1408])
def test_leap_esfand_has_30_days(year: int) -> None:
    assert is_leap_year(year)
    assert JalaliMonth.esfand(year).days == 30


@pytest.mark.parametrize("year", [1400, 1404, 1405])
def test_common_esfand_has_29_days(year: int) -> None:
    assert not is_leap_year(year)
    assert JalaliMonth.esfand(year).days == 29


def test_first_half_has_31_days_and_autumn_30() -> None:
    assert [JalaliMonth(1405, m).days for m in range(1, 13)] == [31] * 6 + [30] * 5 + [29]


@pytest.mark.parametrize(
    ("year", "nowruz"), [(1403, date(2024, 3, 20)), (1404, date(2025, 3, 21)), (1405, date(2026, 3, 21))]
)
def test_first_of_farvardin_falls_on_the_known_day(year: int, nowruz: date) -> None:
    assert JalaliMonth(year, 1).first_day == nowruz
    assert JalaliMonth.of_date(nowruz) == JalaliMonth(year, 1)
    assert JalaliMonth.of_date(nowruz - timedelta(days=1)) == JalaliMonth.esfand(year - 1)


def test_current_month_is_taken_in_tehran() -> None:
    # 2026-03-20 21:00 UTC is 00:30 on 1 Farvardin 1405 in Tehran (UTC+3:30).
    assert JalaliMonth.current(datetime(2026, 3, 20, 21, 0, tzinfo=UTC)) == JalaliMonth(1405, 1)
    assert JalaliMonth.current(datetime(2026, 3, 20, 20, 0, tzinfo=UTC)) == JalaliMonth(1404, 12)


def test_current_defaults_to_now() -> None:
    before = JalaliMonth.current(datetime.now(UTC))
    assert JalaliMonth.current() in {before, before.next()}


def test_current_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError):
        JalaliMonth.current(datetime(2026, 3, 20, 21, 0))


def test_of_date_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        JalaliMonth.of_date(datetime(2026, 3, 20, 21, 0, tzinfo=UTC))


def test_names_and_labels_are_persian() -> None:
    assert len(MONTH_NAMES) == 12
    assert JalaliMonth(1405, 1).name == "فروردین"
    assert JalaliMonth(1405, 12).name == "اسفند"
    assert JalaliMonth(1405, 1).label == "فروردین ۱۴۰۵"
    assert JalaliMonth(1404, 7).label == "مهر ۱۴۰۴"


def test_month_names_match_jdatetime() -> None:
    assert list(MONTH_NAMES) == [jdatetime.date(1405, m, 1).j_months_fa[m - 1] for m in range(1, 13)]
