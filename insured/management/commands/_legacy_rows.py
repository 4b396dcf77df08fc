"""Reading one row of the legacy CSV (docs/import_format.md): normalise every field, check it, and say why not.

Speed matters here (a file has a hundred thousand rows): ASCII fields skip the Persian normaliser, Jalali
dates and months are parsed once per distinct text, and paid months are plain YYYYMM integers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, ClassVar

from insured import rules
from insured.models import SCHEME_OF_RATE, Gender, RateCode, Scheme
from samt.identifiers import InvalidIdentifier, mobile_normalize, national_code_clean
from samt.jalali import JalaliMonth, parse_jalali_date
from samt.persian import normalize
from samt.persian import to_persian_digits as fa

REQUIRED = ["national_code", "insurance_number", "first_name", "last_name", "father_name", "birth_date", "gender",
            "branch_code", "rate_code", "wage_ratio", "first_month"]
OPTIONAL = ["mobile", "address", "treatment", "persons", "paid_months", "paid_on", "prior_record_days"]
PERSON_FIELDS = ["national_code", "insurance_number", "first_name", "last_name", "father_name", "birth_date",
                 "gender", "mobile", "address", "branch_id"]

RATE_CODES = frozenset(RateCode.values)  # computed once: Django builds the list on every access
GENDERS = {"F": Gender.FEMALE, "M": Gender.MALE, "زن": Gender.FEMALE, "مرد": Gender.MALE}
LIMITS = {"national_code": 20, "insurance_number": 20, "first_name": 64, "last_name": 64, "father_name": 64,
          "birth_date": 20, "gender": 4, "mobile": 20, "address": 255, "branch_code": 8, "rate_code": 3,
          "wage_ratio": 8, "first_month": 10, "treatment": 1, "persons": 3, "paid_months": 10_000,
          "paid_on": 20, "prior_record_days": 6}
_PAID_RANGE = re.compile(r"([0-9]{4}/[0-9]{1,2})(?:\s*-\s*([0-9]{4}/[0-9]{1,2}))?")
_RATIO = re.compile(r"[0-9](?:\.[0-9]{1,2})?")
_INSURANCE_NUMBER = re.compile(r"[0-9]{8,10}")
_DATE_PARTS = re.compile(r"[0-9]+")


class Bad(ValueError):
    """One reason a field cannot be imported, in Persian for the branch and English for the operator."""

    def __init__(self, column: str, persian: str, english: str) -> None:
        super().__init__(english)
        self.column, self.persian, self.english = column, persian, english

    def __str__(self) -> str:
        return f"{self.column}: {self.persian} ({self.english})"


@dataclass
class Row:
    line: int
    person: dict[str, Any]  # the InsuredPerson fields of PERSON_FIELDS, in stored form
    rate_code: str
    ratio: int
    first_month: JalaliMonth
    treatment: bool
    persons: int = 0
    paid: list[int] = field(default_factory=list)  # YYYYMM, ascending
    paid_on: date | None = None
    lines: list[tuple[int, int, int]] = field(default_factory=list)  # (YYYYMM, premium, per-capita) once priced

    def contract_key(self) -> tuple[Any, ...]:
        return (self.rate_code, self.ratio, self.first_month.as_int(), self.treatment)


def clean_text(value: str | None) -> str:
    if not value:
        return ""
    if value.isascii():  # nothing for the normaliser to do but the spaces
        return " ".join(value.split())
    return normalize(value)


@lru_cache(maxsize=100_000)
def jalali_date(text: str) -> tuple[date, tuple[int, int, int]]:
    """The Gregorian date and the Jalali (year, month, day) of a date typed as 1360/05/12."""
    day = parse_jalali_date(text)
    year, month, day_of_month = (int(part) for part in _DATE_PARTS.findall(text))
    return day, (year, month, day_of_month)


@lru_cache(maxsize=10_000)
def jalali_month(text: str) -> JalaliMonth:
    return JalaliMonth.parse(text)


def _required(values: dict[str, str], column: str) -> str:
    if not values.get(column):
        raise Bad(column, "این ستون نباید خالی باشد.", "empty")
    return values[column]


def _name(column: str) -> Any:
    """A parser for a name column: required, otherwise as typed (normalised)."""
    return lambda reader, values: _required(values, column)


def _date(column: str, text: str) -> tuple[date, tuple[int, int, int]]:
    try:
        return jalali_date(text)
    except ValueError as invalid:
        raise Bad(column, str(invalid), "not a Jalali date like 1360/05/12") from None


def _month(column: str, text: str) -> JalaliMonth:
    try:
        return jalali_month(text)
    except ValueError as invalid:
        raise Bad(column, str(invalid), "not a Jalali month like 1402/01") from None


def _count(column: str, text: str, default: int, high: int) -> int:
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) > high:
        raise Bad(column, f"عددی از ۰ تا {fa(high)} وارد کنید.", f"not a whole number from 0 to {high}")
    return int(text)


def paid_months(text: str, first: JalaliMonth, latest: JalaliMonth) -> list[int]:
    """ "1402/01-1403/12;1404/01-1404/06" as ascending YYYYMM integers."""
    indexes: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        found = _PAID_RANGE.fullmatch(part)
        if not found:
            raise Bad("paid_months", "ماه‌ها را به شکل ۱۴۰۲/۰۱-۱۴۰۳/۱۲ و جداشده با ; بنویسید.",
                      f"{part!r} is not a month or a range like 1402/01-1403/12")
        start = _month("paid_months", found[1])
        end = _month("paid_months", found[2]) if found[2] else start
        if end < start:
            raise Bad("paid_months", f"بازه {part} وارونه است.", f"range {part} ends before it starts")
        indexes += range(start.year * 12 + start.month - 1, end.year * 12 + end.month)
    if len(set(indexes)) != len(indexes):
        raise Bad("paid_months", "یک ماه دو بار آمده است.", "a month is listed twice")
    indexes.sort()
    if indexes and indexes[0] < first.year * 12 + first.month - 1:
        raise Bad("paid_months", "ماه پرداخت‌شده پیش از نخستین ماه قرارداد است.", "a paid month before first_month")
    if indexes and indexes[-1] > latest.year * 12 + latest.month - 1:
        raise Bad("paid_months", f"ماه پرداخت‌شده پس از {latest.label} است.", f"a paid month after {latest}")
    return [(index // 12) * 100 + index % 12 + 1 for index in indexes]


def check_eligibility(rate_code: str, born: tuple[int, int, int], start: JalaliMonth,
                      prior_record_days: int | None) -> None:
    """domain.md §1: self-employed aged 18–50 at the start (older when prior record covers the excess, any age
    with ten years of it); voluntary continuation needs 30 days of prior record when the file gives it."""
    if SCHEME_OF_RATE[rate_code] == Scheme.VOLUNTARY:
        if prior_record_days is not None and prior_record_days < 30:
            raise Bad("prior_record_days", "بیمه اختیاری دست‌کم ۳۰ روز سابقه می‌خواهد.",
                      "voluntary insurance needs 30 days of prior record")
        return
    age = start.year - born[0] - ((start.month, 1) < born[1:])  # completed Jalali years on the 1st of the month
    years = (prior_record_days or 0) // 365
    if age < 18:
        raise Bad("birth_date", f"سن در آغاز قرارداد {fa(age)} سال است؛ کمتر از ۱۸ سال پذیرفته نیست.",
                  f"aged {age} at the start, under 18")
    if age > 50 and years < 10 and age - 50 > years:
        raise Bad("birth_date", f"سن در آغاز قرارداد {fa(age)} سال است و سابقه پیشین مازاد بر ۵۰ سال را پوشش "
                                "نمی‌دهد.", f"aged {age} at the start, over 50 without prior record to cover it")


class RowReader:
    """Turns one CSV record into a Row, collecting every bad field rather than stopping at the first."""

    def __init__(self, branches: dict[str, int], today: date) -> None:
        self.branches = branches
        self.today = today
        self.this_month = JalaliMonth.of_date(today)
        self.latest = JalaliMonth.esfand(self.this_month.year)

    def read(self, line: int, raw: dict[str, str]) -> tuple[Row | None, list[Bad]]:
        values = {column: clean_text(value) for column, value in raw.items() if column}
        errors = [Bad(column, f"حداکثر {fa(limit)} نویسه پذیرفته می‌شود.", f"longer than {limit} characters")
                  for column, limit in LIMITS.items() if len(values.get(column, "")) > limit]
        if errors:
            return None, errors
        parsed: dict[str, Any] = {}
        for column, parse in self.PARSERS.items():
            try:
                parsed[column] = parse(self, values)
            except Bad as bad:
                errors.append(bad)
        if errors:
            return None, errors
        person = {name: parsed[name] for name in PERSON_FIELDS}
        person["birth_date"], born = parsed["birth_date"]
        row = Row(line=line, person=person, rate_code=parsed["rate_code"], ratio=parsed["wage_ratio"],
                  first_month=parsed["first_month"], treatment=parsed["treatment"])
        for check in (self._contract, self._payments):
            try:
                check(row, values, born)
            except Bad as bad:
                errors.append(bad)
        return (None, errors) if errors else (row, [])

    def _national_code(self, values: dict[str, str]) -> str:
        try:
            return national_code_clean(_required(values, "national_code"))
        except InvalidIdentifier as invalid:
            raise Bad("national_code", invalid.message, "invalid national code") from None

    def _insurance_number(self, values: dict[str, str]) -> str:
        number = _required(values, "insurance_number").replace(" ", "")
        if not _INSURANCE_NUMBER.fullmatch(number):
            raise Bad("insurance_number", "شماره بیمه باید ۸ تا ۱۰ رقم باشد.", "not 8 to 10 digits")
        return number

    def _birth_date(self, values: dict[str, str]) -> tuple[date, tuple[int, int, int]]:
        born = _date("birth_date", _required(values, "birth_date"))
        if born[0] >= self.today:
            raise Bad("birth_date", "تاریخ تولد باید پیش از امروز باشد.", "not in the past")
        return born

    def _gender(self, values: dict[str, str]) -> str:
        text = _required(values, "gender").upper()
        if text not in GENDERS:
            raise Bad("gender", "جنسیت را F یا M (زن یا مرد) بنویسید.", "not F/M or زن/مرد")
        return GENDERS[text]

    def _mobile(self, values: dict[str, str]) -> str:
        if not values.get("mobile"):
            return ""
        try:
            return mobile_normalize(values["mobile"])
        except InvalidIdentifier as invalid:
            raise Bad("mobile", invalid.message, "invalid mobile number") from None

    def _branch(self, values: dict[str, str]) -> int:
        code = _required(values, "branch_code")
        if code not in self.branches:
            raise Bad("branch_code", f"شعبه‌ای با کد {code} در سامانه نیست.", f"no branch {code}")
        return self.branches[code]

    def _rate_code(self, values: dict[str, str]) -> str:
        code = _required(values, "rate_code").upper()
        code = f"0{code}" if code in ("1", "2", "3") else code  # spreadsheets drop the leading zero
        if code not in RATE_CODES:
            raise Bad("rate_code", "کد نرخ باید یکی از 01، 02، 03 یا VOL باشد.", "not one of 01, 02, 03, VOL")
        return code

    def _ratio(self, values: dict[str, str]) -> int:
        text = _required(values, "wage_ratio").replace("٫", ".")
        if not _RATIO.fullmatch(text):
            raise Bad("wage_ratio", "نسبت دستمزد را به شکل ۱٫۰۰ تا ۷٫۰۰ وارد کنید.", "not a number like 1.35")
        whole, _, fraction = text.partition(".")
        hundredths = int(whole) * rules.RATIO_BASIS + int(fraction.ljust(2, "0") or 0)
        if not rules.MIN_RATIO <= hundredths <= rules.MAX_RATIO:
            raise Bad("wage_ratio", "نسبت دستمزد باید بین ۱ و ۷ برابر حداقل دستمزد باشد.", "outside 1.00–7.00")
        return hundredths

    def _first_month(self, values: dict[str, str]) -> JalaliMonth:
        month = _month("first_month", _required(values, "first_month"))
        if month > self.this_month:
            raise Bad("first_month", "نخستین ماه قرارداد نمی‌تواند پس از ماه جاری باشد.", "after the current month")
        return month

    def _treatment(self, values: dict[str, str]) -> bool:
        text = values.get("treatment") or "0"
        if text not in ("0", "1"):
            raise Bad("treatment", "ستون درمان باید ۰ یا ۱ باشد.", "not 0 or 1")
        return text == "1"

    # Column by column, in the order errors are reported.
    PARSERS: ClassVar[dict[str, Any]] = {
        "national_code": _national_code, "insurance_number": _insurance_number, "first_name": _name("first_name"),
        "last_name": _name("last_name"), "father_name": _name("father_name"), "birth_date": _birth_date,
        "gender": _gender, "mobile": _mobile, "address": lambda self, values: values.get("address", ""),
        "branch_id": _branch, "rate_code": _rate_code, "wage_ratio": _ratio, "first_month": _first_month,
        "treatment": _treatment,
    }

    def _contract(self, row: Row, values: dict[str, str], born: tuple[int, int, int]) -> None:
        if row.treatment and SCHEME_OF_RATE[row.rate_code] == Scheme.VOLUNTARY:
            raise Bad("treatment", "نرخ بیمه اختیاری درمان را دربر دارد و سرانه جداگانه ندارد؛ درمان را ۰ بنویسید.",
                      "voluntary insurance includes treatment; no separate per-capita")
        persons = _count("persons", values.get("persons", ""), int(row.treatment), 20)
        if (row.treatment and persons < 1) or (not row.treatment and persons):
            raise Bad("persons", "تعداد افراد درمان فقط با درمان (۱) معنا دارد و دست‌کم ۱ است.",
                      "persons must be 1 or more with treatment, and empty or 0 without")
        row.persons = persons
        days = values.get("prior_record_days", "")
        check_eligibility(row.rate_code, born, row.first_month,
                          _count("prior_record_days", days, 0, 99_999) if days else None)

    def _payments(self, row: Row, values: dict[str, str], born: tuple[int, int, int]) -> None:
        row.paid = paid_months(values.get("paid_months", ""), row.first_month, self.latest)
        paid_on = values.get("paid_on", "")
        if row.paid and not paid_on:
            raise Bad("paid_on", "برای ماه‌های پرداخت‌شده تاریخ پرداخت لازم است.", "required with paid_months")
        if paid_on:
            row.paid_on, _ = _date("paid_on", paid_on)
            if row.paid_on > self.today:
                raise Bad("paid_on", "تاریخ پرداخت نمی‌تواند پس از امروز باشد.", "in the future")
