"""Forms of the branch's insured registry: they normalise what staff type and say in Persian what is wrong.

State changes are the services' job (insured.services); these forms only turn text into the values the
services take, plus the checks that belong next to a field (a birth date that makes the person 17 at their
first month is refused here, where the staff member can fix it, not later as a page-wide message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import jdatetime
from django import forms

from insured import rules
from insured.ledger import wage_in_force
from insured.models import Dependant, Gender, InsuredPerson, RateCode
from insured.services import ContractData, PersonData
from samt.errors import DomainError
from samt.formatting import rials
from samt.formfields import (
    InsuranceNumberField,
    JalaliDateField,
    JalaliMonthFormField,
    MobileField,
    NationalCodeField,
)
from samt.jalali import JalaliMonth
from samt.persian import normalize, normalize_digits, to_persian_digits

SEARCH_TOO_SHORT = "دست‌کم دو حرف یا رقم بنویسید."
NAME_LETTERS_ONLY = "این نام را فقط با حروف فارسی بنویسید."
BIRTH_DATE_FUTURE = "تاریخ تولد نمی‌تواند پس از امروز باشد."
BIRTH_DATE_TOO_OLD = "تاریخ تولد درست به نظر نمی‌رسد؛ سال را بررسی کنید."
RATIO_INVALID = "نسبت دستمزد را به شکل عددی با حداکثر دو رقم اعشار بنویسید، مثلاً ۱٫۳۵."
RATIO_OUT_OF_RANGE = "نسبت دستمزد باید از ۱ (حداقل دستمزد) تا ۷ (سقف دستمزد) باشد."
WAGE_INVALID = "دستمزد ماهانه را به ریال و فقط با رقم بنویسید."
WAGE_OR_RATIO_MISSING = "نسبت دستمزد یا دستمزد ماهانه را بنویسید."
WAGE_AND_RATIO_BOTH = "فقط یکی را بنویسید: نسبت دستمزد یا دستمزد ماهانه."
WAGE_TABLE_MISSING = "حداقل دستمزد امسال هنوز ثبت نشده است؛ نسبت دستمزد را مستقیم بنویسید."
FIRST_MONTH_FUTURE = "نخستین ماه قرارداد نمی‌تواند پس از ماه جاری ({current}) باشد."
TREATMENT_VOLUNTARY = "درمان بیمه اختیاری در نرخ ۲۷٪ آن است و سرانه جداگانه ندارد؛ این گزینه را بردارید."
DEPENDANT_IS_INSURED = "کد ملی فرد تحت تکفل با کد ملی خود بیمه‌شده یکی است."
RECEIPT_INVALID = "شماره رسید را بدون فاصله و فقط با رقم، حرف لاتین، خط تیره یا / بنویسید (۴ تا ۳۰ نویسه)."

# domain.md §1: a self-employed contract is made for people aged 18 to 50 at its start.
SELF_EMPLOYED_MIN_AGE = 18
SELF_EMPLOYED_MAX_AGE = 50
OLDEST_BIRTH_YEAR = 1280  # Jalali; anyone older is a typo in the year

_PERSIAN_NAME = re.compile(r"[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc\u0622\u200c ]+")
_RECEIPT = re.compile(r"[0-9A-Za-z/-]{4,30}")
# People type the decimal point of a ratio as "." or the Persian "٫", and often as "/" or ",".
_DECIMAL_MARKS = str.maketrans({"٫": ".", "/": ".", ",": "."})
_THOUSANDS_MARKS = re.compile(r"[\s,٬،']")

NAME_ATTRS = {"autocomplete": "off"}
LTR_NUMBER_ATTRS = {"dir": "ltr", "inputmode": "numeric", "autocomplete": "off"}


# Fields -----------------------------------------------------------------------------------------------------


class PersianNameField(forms.CharField):
    """A name as people see it: Persian letters, spaces and ZWNJ; Arabic ي/ك become Persian."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("widget", forms.TextInput(attrs=NAME_ATTRS))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = normalize(super().to_python(value) or "")
        if text and not _PERSIAN_NAME.fullmatch(text):
            raise forms.ValidationError(NAME_LETTERS_ONLY, code="letters")
        return text


def parse_wage_ratio(text: str) -> int:
    """ "۱٫۳۵", "1.35", "1/35" or "2" → hundredths (135, 200); ValidationError otherwise."""
    cleaned = normalize_digits(normalize(text)).translate(_DECIMAL_MARKS).replace(" ", "")
    try:
        ratio = Decimal(cleaned)
    except InvalidOperation:
        raise forms.ValidationError(RATIO_INVALID, code="invalid") from None
    hundredths = ratio * rules.RATIO_BASIS
    if not ratio.is_finite() or hundredths != hundredths.to_integral_value():
        raise forms.ValidationError(RATIO_INVALID, code="invalid")
    if not rules.MIN_RATIO <= hundredths <= rules.MAX_RATIO:
        raise forms.ValidationError(RATIO_OUT_OF_RANGE, code="range")
    return int(hundredths)


def parse_rials(text: str) -> int:
    """ "۱۶۶٬۲۵۵٬۵۰۰" or "166,255,500" → 166255500."""
    cleaned = _THOUSANDS_MARKS.sub("", normalize(text))
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise forms.ValidationError(WAGE_INVALID, code="invalid")
    return int(cleaned)


def age_on(birth: date, day: date) -> int:
    """Whole years between a birth date and a day, counted in the Jalali calendar as the law counts them (a
    Gregorian anniversary can fall a day off the Jalali one)."""
    born, on = jdatetime.date.fromgregorian(date=birth), jdatetime.date.fromgregorian(date=day)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# The wage a contract is made on -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyWage:
    """The monthly minimum and ceiling wages a typed monthly wage is converted against (30 days a month)."""

    year: int
    minimum: int
    ceiling: int

    @classmethod
    def from_daily(cls, year: int, wage: rules.WageInForce) -> MonthlyWage:
        return cls(year=year, minimum=wage.min_daily * 30, ceiling=wage.ceiling_daily * 30)

    def ratio_of(self, monthly: int) -> int:
        if monthly < self.minimum:
            raise forms.ValidationError(
                f"دستمزد ماهانه از حداقل دستمزد سال {to_persian_digits(self.year)} "
                f"({rials(self.minimum)} ریال) کمتر است.", code="range"
            )
        if monthly > self.ceiling:
            raise forms.ValidationError(
                f"دستمزد ماهانه از سقف دستمزد سال {to_persian_digits(self.year)} "
                f"({rials(self.ceiling)} ریال) بیشتر است.", code="range"
            )
        return min(rules.divide_half_up(monthly * rules.RATIO_BASIS, self.minimum), rules.MAX_RATIO)


# Forms ------------------------------------------------------------------------------------------------------


class SearchForm(forms.Form):
    q = forms.CharField(
        label="کد ملی، شماره بیمه یا نام و نام خانوادگی",
        max_length=80,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "autofocus": True}),
    )

    def clean_q(self) -> str:
        text = normalize(self.cleaned_data["q"])
        if len(text) < 2:
            raise forms.ValidationError(SEARCH_TOO_SHORT)
        return text


class PersonDetailsForm(forms.Form):
    """What may be corrected on an insured person's record (the identifiers are fixed once registered)."""

    first_name = PersianNameField(label="نام")
    last_name = PersianNameField(label="نام خانوادگی")
    father_name = PersianNameField(label="نام پدر")
    birth_date = JalaliDateField(label="تاریخ تولد", help_text="به تاریخ خورشیدی، مانند ۱۳۶۰/۰۵/۱۲",
                                 widget=forms.TextInput(attrs={"placeholder": "۱۳۶۰/۰۵/۱۲"}))
    gender = forms.ChoiceField(label="جنسیت", choices=Gender.choices, widget=forms.RadioSelect)
    mobile = MobileField(label="تلفن همراه", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    address = forms.CharField(label="نشانی", max_length=255, widget=forms.Textarea(attrs={"rows": 2}))

    DETAIL_FIELDS: ClassVar[list[str]] = ["first_name", "last_name", "father_name", "birth_date", "gender",
                                          "mobile", "address"]

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_birth_date(self) -> date:
        birth = self.cleaned_data["birth_date"]
        if birth > self.today:
            raise forms.ValidationError(BIRTH_DATE_FUTURE)
        if JalaliMonth.of_date(birth).year < OLDEST_BIRTH_YEAR:
            raise forms.ValidationError(BIRTH_DATE_TOO_OLD)
        return birth

    def clean_address(self) -> str:
        return normalize(self.cleaned_data["address"])

    @classmethod
    def initial_for(cls, insured: InsuredPerson) -> dict[str, object]:
        return {name: getattr(insured, name) for name in cls.DETAIL_FIELDS}

    def changes(self) -> dict[str, object]:
        """Only what really changed, so the audit row shows the correction and nothing else."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.DETAIL_FIELDS}


class RegisterForm(PersonDetailsForm):
    """A new insured person and their contract, in one form (one visit to the counter)."""

    national_code = NationalCodeField(label="کد ملی")
    insurance_number = InsuranceNumberField(label="شماره بیمه", help_text="۸ تا ۱۰ رقم")
    rate_code = forms.ChoiceField(label="نوع بیمه و نرخ", choices=RateCode.choices, widget=forms.RadioSelect)
    wage_ratio = forms.CharField(
        label="نسبت دستمزد مبنا به حداقل دستمزد", required=False,
        widget=forms.TextInput(attrs={**LTR_NUMBER_ATTRS, "inputmode": "decimal", "placeholder": "۱٫۳۵"}),
        help_text="از ۱ تا ۷، با حداکثر دو رقم اعشار؛ مانند ۱٫۳۵",
    )
    monthly_wage = forms.CharField(
        label="یا دستمزد ماهانه مبنا (ریال)", required=False, widget=forms.TextInput(attrs=LTR_NUMBER_ATTRS)
    )
    first_month = JalaliMonthFormField(label="نخستین ماه قرارداد")
    treatment = forms.BooleanField(
        label="پوشش درمان (با پرداخت سرانه درمان برای بیمه‌شده و هر فرد تحت تکفل)", required=False
    )

    field_order = ["national_code", "insurance_number", "first_name", "last_name", "father_name", "birth_date",
                   "gender", "mobile", "address", "rate_code", "wage_ratio", "monthly_wage", "first_month",
                   "treatment"]

    def __init__(self, *args: Any, current: JalaliMonth, wage: MonthlyWage | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        self.wage = wage
        if wage is not None:
            self.fields["monthly_wage"].help_text = (
                f"به نسبت حداقل دستمزد ماهانه {to_persian_digits(wage.year)} ({rials(wage.minimum)} ریال) "
                "تبدیل می‌شود"
            )

    def clean_wage_ratio(self) -> int | None:
        text = self.cleaned_data["wage_ratio"].strip()
        return parse_wage_ratio(text) if text else None

    def clean_monthly_wage(self) -> int | None:
        text = self.cleaned_data["monthly_wage"].strip()
        if not text:
            return None
        if self.wage is None:
            raise forms.ValidationError(WAGE_TABLE_MISSING)
        return self.wage.ratio_of(parse_rials(text))

    def clean_first_month(self) -> JalaliMonth:
        month = self.cleaned_data["first_month"]
        if month > self.current:
            raise forms.ValidationError(FIRST_MONTH_FUTURE.format(current=self.current.label))
        try:
            wage_in_force(month)  # a month with no wage figures could never be charged
            rules.check_first_month_not_lapsed(month, self.current)
        except DomainError as refusal:
            raise forms.ValidationError(refusal.message) from None
        return month

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self._pick_ratio(data)
        rate_code = data.get("rate_code")
        if rate_code == RateCode.VOLUNTARY and data.get("treatment"):
            self.add_error("treatment", TREATMENT_VOLUNTARY)
        birth, first = data.get("birth_date"), data.get("first_month")
        if rate_code and rate_code != RateCode.VOLUNTARY and birth and first:
            self._check_self_employed_age(birth, first)
        return data

    def _pick_ratio(self, data: dict[str, Any]) -> None:
        if "wage_ratio" not in data or "monthly_wage" not in data:
            return  # one of them already carries its own error
        typed, converted = data["wage_ratio"], data["monthly_wage"]
        if typed is None and converted is None:
            self.add_error("wage_ratio", WAGE_OR_RATIO_MISSING)
        elif typed is not None and converted is not None:
            self.add_error("monthly_wage", WAGE_AND_RATIO_BOTH)
        else:
            data["wage_ratio_hundredths"] = typed if typed is not None else converted

    def _check_self_employed_age(self, birth: date, first: JalaliMonth) -> None:
        age = age_on(birth, first.first_day)
        if SELF_EMPLOYED_MIN_AGE <= age <= SELF_EMPLOYED_MAX_AGE:
            return
        self.add_error("birth_date", (
            f"متقاضی در آغاز قرارداد ({first.label}) {to_persian_digits(age)} سال دارد؛ قرارداد صاحبان حرف و "
            f"مشاغل آزاد برای سن {to_persian_digits(SELF_EMPLOYED_MIN_AGE)} تا "
            f"{to_persian_digits(SELF_EMPLOYED_MAX_AGE)} سال بسته می‌شود."
            + (" برای سن بالاتر، قرارداد تنها با سابقه پرداخت پیشین و پس از بررسی پرونده ممکن است."
               if age > SELF_EMPLOYED_MAX_AGE else "")
        ))

    def person_data(self) -> PersonData:
        data = self.cleaned_data
        return PersonData(**{name: data[name] for name in PersonData.__dataclass_fields__})

    def contract_data(self) -> ContractData:
        data = self.cleaned_data
        return ContractData(rate_code=data["rate_code"], wage_ratio_hundredths=data["wage_ratio_hundredths"],
                            first_month=data["first_month"], treatment=data["treatment"])


class DependantForm(forms.Form):
    first_name = PersianNameField(label="نام")
    last_name = PersianNameField(label="نام خانوادگی")
    national_code = NationalCodeField(label="کد ملی")
    relation = forms.ChoiceField(label="نسبت", choices=[("", "انتخاب کنید"), *Dependant.Relation.choices])

    def __init__(self, *args: Any, insured: InsuredPerson, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.insured = insured

    def clean_national_code(self) -> str:
        code = self.cleaned_data["national_code"]
        if code == self.insured.national_code:
            raise forms.ValidationError(DEPENDANT_IS_INSURED)
        return code


class ReceiptForm(forms.Form):
    reference = forms.CharField(
        label="شماره رسید پرداخت", max_length=30,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )

    def clean_reference(self) -> str:
        text = normalize(self.cleaned_data["reference"])
        if not _RECEIPT.fullmatch(text):
            raise forms.ValidationError(RECEIPT_INVALID)
        return text
