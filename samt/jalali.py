"""Jalali (Solar Hijri) months: the unit in which premiums are charged and slips cover periods.

Conversions go through jdatetime (33-year leap cycle, matching the official calendar for the
years we care about). Dates are stored as Gregorian; a month is stored as the integer YYYYMM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import overload
from zoneinfo import ZoneInfo

import jdatetime

from samt.persian import normalize, to_persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")
MIN_YEAR = jdatetime.MINYEAR
MAX_YEAR = jdatetime.MAXYEAR

MONTH_NAMES: tuple[str, ...] = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)

MONTH_TEXT_INVALID = "ماه را به شکل سال/ماه وارد کنید، مثلاً ۱۴۰۵/۰۱."
MONTH_OUT_OF_RANGE = "ماه باید بین ۱ و ۱۲ و سال باید بین ۱ و ۹۳۷۷ باشد."

_MONTH_TEXT = re.compile(r"([0-9]{4})\s*[/-]\s*([0-9]{1,2})")


def is_leap_year(year: int) -> bool:
    """Whether Esfand of this Jalali year has 30 days (jdatetime's rule)."""
    return bool(jdatetime.date(year, 1, 1).isleap())


@dataclass(frozen=True, order=True)
class JalaliMonth:
    """One Jalali month. Ordered by (year, month), which is also the order of `as_int()`."""

    year: int
    month: int

    def __post_init__(self) -> None:
        for part in (self.year, self.month):
            if isinstance(part, bool) or not isinstance(part, int):
                raise TypeError("JalaliMonth takes integer year and month")
        if not (MIN_YEAR <= self.year <= MAX_YEAR and 1 <= self.month <= 12):
            raise ValueError(MONTH_OUT_OF_RANGE)

    # Construction -------------------------------------------------------------------------------

    @classmethod
    def from_int(cls, value: int) -> JalaliMonth:
        """From YYYYMM, e.g. 140501."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(MONTH_OUT_OF_RANGE)
        return cls(value // 100, value % 100)

    @classmethod
    def parse(cls, text: str) -> JalaliMonth:
        """From "1405/01", "1405-1" or "۱۴۰۵/۰۱"; ValueError with a Persian message otherwise."""
        match = _MONTH_TEXT.fullmatch(normalize(text))
        if match is None:
            raise ValueError(MONTH_TEXT_INVALID)
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def esfand(cls, year: int) -> JalaliMonth:
        return cls(year, 12)

    @classmethod
    def of_date(cls, day: date) -> JalaliMonth:
        """The month containing a Gregorian calendar date."""
        if isinstance(day, datetime):
            # An instant has no month until a time zone is chosen; refuse rather than guess.
            raise TypeError("use JalaliMonth.current(now) for a datetime")
        jday = jdatetime.date.fromgregorian(date=day)
        return cls(jday.year, jday.month)

    @classmethod
    def current(cls, now: datetime | None = None) -> JalaliMonth:
        """The month it is in Tehran at `now` (an aware datetime; default: this instant)."""
        now = datetime.now(UTC) if now is None else now
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("JalaliMonth.current needs an aware datetime")
        return cls.of_date(now.astimezone(TEHRAN).date())

    # Representation -----------------------------------------------------------------------------

    def as_int(self) -> int:
        """YYYYMM, the form stored in the database."""
        return self.year * 100 + self.month

    def __str__(self) -> str:
        return f"{self.year:04d}/{self.month:02d}"

    @property
    def name(self) -> str:
        return MONTH_NAMES[self.month - 1]

    @property
    def label(self) -> str:
        """E.g. "فروردین ۱۴۰۵"."""
        return f"{self.name} {to_persian_digits(self.year)}"

    # Arithmetic ---------------------------------------------------------------------------------

    def _index(self) -> int:
        return self.year * 12 + self.month - 1

    @classmethod
    def _from_index(cls, index: int) -> JalaliMonth:
        return cls(index // 12, index % 12 + 1)

    def __add__(self, months: int) -> JalaliMonth:
        if isinstance(months, bool) or not isinstance(months, int):
            return NotImplemented
        return self._from_index(self._index() + months)

    __radd__ = __add__

    @overload
    def __sub__(self, other: JalaliMonth) -> int: ...

    @overload
    def __sub__(self, other: int) -> JalaliMonth: ...

    def __sub__(self, other: int | JalaliMonth) -> JalaliMonth | int:
        """Month minus months is a month; month minus month is the difference in months."""
        if isinstance(other, JalaliMonth):
            return self._index() - other._index()
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        return self._from_index(self._index() - other)

    def next(self) -> JalaliMonth:
        return self + 1

    def previous(self) -> JalaliMonth:
        return self - 1

    def through(self, end: JalaliMonth) -> list[JalaliMonth]:
        """Months from self to end inclusive; empty when end is before self."""
        return [self + offset for offset in range(end - self + 1)]

    # Calendar -----------------------------------------------------------------------------------

    @property
    def days(self) -> int:
        if self.month <= 6:
            return 31
        if self.month <= 11:
            return 30
        return 30 if is_leap_year(self.year) else 29

    @property
    def first_day(self) -> date:
        day: date = jdatetime.date(self.year, self.month, 1).togregorian()
        return day

    @property
    def last_day(self) -> date:
        day: date = jdatetime.date(self.year, self.month, self.days).togregorian()
        return day

    @property
    def starts_at(self) -> datetime:
        """Midnight in Tehran on the month's first day: e.g. "registered back then" for a legacy history."""
        return datetime.combine(self.first_day, time(0), TEHRAN)


def month_bounds(month: JalaliMonth) -> tuple[datetime, datetime]:
    """The month as a half-open range of instants, midnight to midnight in Tehran (for "issued in this month")."""
    return month.starts_at, month.next().starts_at


DATE_TEXT_INVALID = "تاریخ را به شکل سال/ماه/روز وارد کنید، مثلاً ۱۴۰۵/۰۹/۰۴."

_DATE_TEXT = re.compile(r"([0-9]{4})\s*[/-]\s*([0-9]{1,2})\s*[/-]\s*([0-9]{1,2})")


def parse_jalali_date(text: str) -> date:
    """A Jalali date typed as 1405/09/04 (any digit script), as a Gregorian date."""
    found = _DATE_TEXT.fullmatch(normalize(text))
    if not found:
        raise ValueError(DATE_TEXT_INVALID)
    try:
        day: date = jdatetime.date(*(int(part) for part in found.groups())).togregorian()
        return day
    except ValueError:
        raise ValueError(DATE_TEXT_INVALID) from None
