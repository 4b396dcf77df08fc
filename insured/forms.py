"""The insured app's forms: parse and normalise what a person typed, nothing more.

The public premium calculator: numbers are typed in any digit script and with the separators people use:
"۱٫۳۵", "1/35" and "1.35" are one ratio, "۲۰۰٬۰۰۰٬۰۰۰" and "200,000,000" one wage. Turning a monthly wage into
a ratio needs the minimum wage in force, which is data, so the view does that.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from django import forms

from insured import rules
from insured.models import RateCode
from samt.formfields import DocumentNumberField, NationalCodeField
from samt.jalali import MONTH_NAMES, JalaliMonth
from samt.persian import normalize, to_persian_digits

BY_RATIO = "ratio"
BY_MONTHLY_WAGE = "monthly"
MAX_DEPENDANTS = 20

RATIO_REQUIRED = "نسبت دستمزد به حداقل دستمزد را وارد کنید، مثلاً ۱٫۵."
RATIO_INVALID = "نسبت دستمزد را به شکل عدد با حداکثر دو رقم اعشار وارد کنید، مثلاً ۱٫۵ یا ۲٫۳۵."
RATIO_OUT_OF_RANGE = "نسبت دستمزد باید از ۱ (حداقل دستمزد) تا ۷ (سقف دستمزد، هفت برابر حداقل) باشد."
WAGE_REQUIRED = "دستمزد ماهانه را به ریال وارد کنید، مثلاً ۲۰۰٬۰۰۰٬۰۰۰."
WAGE_INVALID = "دستمزد ماهانه را به ریال و فقط با رقم وارد کنید، مثلاً ۲۰۰٬۰۰۰٬۰۰۰."
DEPENDANTS_INVALID = f"تعداد افراد تحت تکفل باید عددی از ۰ تا {to_persian_digits(MAX_DEPENDANTS)} باشد."
PERIOD_REVERSED = "ماه پایان نمی‌تواند پیش از ماه آغاز باشد."
PERIOD_TOO_LONG = (
    f"هر برگ پرداخت حداکثر {to_persian_digits(rules.MAX_MONTHS_PER_SLIP)} ماه را دربر می‌گیرد؛ "
    "بازه را کوتاه‌تر کنید."
)
MONTH_REQUIRED = "ماه و سال را انتخاب کنید."

# A decimal point may be typed as ".", the Persian "٫" or the "/" of Persian handwriting.
_RATIO_TEXT = re.compile(r"([0-9]{1,3})(?:[.\u066b/]([0-9]{0,2}))?")
# Thousands may be grouped with ",", the Persian "٬", the Arabic comma "،" or spaces.
_GROUPING = re.compile(r"[,\u066c\u060c\s]")
_NUMBER_ATTRS = {"dir": "ltr", "autocomplete": "off", "spellcheck": "false", "class": "form-control"}


VOLUNTARY_TREATMENT = "نرخ ۲۷٪ بیمه اختیاری درمان را هم دربر دارد و سرانه درمان جداگانه ندارد؛ این گزینه را بردارید."


def parse_ratio(text: str) -> int:
    """"۱٫۳۵" → 135 (hundredths); ValueError with a Persian message for anything else."""
    match = _RATIO_TEXT.fullmatch(normalize(text))
    if match is None:
        raise ValueError(RATIO_INVALID)
    hundredths = int(match[1]) * rules.RATIO_BASIS + int((match[2] or "").ljust(2, "0"))
    if not rules.MIN_RATIO <= hundredths <= rules.MAX_RATIO:
        raise ValueError(RATIO_OUT_OF_RANGE)
    return hundredths


def parse_rials(text: str) -> int:
    """"۲۰۰٬۰۰۰٬۰۰۰" → 200000000; ValueError for fractions, signs, letters or zero."""
    digits = _GROUPING.sub("", normalize(text))
    if not (digits.isascii() and digits.isdigit()) or int(digits) == 0:
        raise ValueError(WAGE_INVALID)
    return int(digits)


class MonthSelect(forms.MultiWidget):
    """A Jalali month as two selects, month name then year, which reads "آذر ۱۴۰۵" from the right."""

    def __init__(self, years: list[int], *, which: str) -> None:
        months = [(str(number), name) for number, name in enumerate(MONTH_NAMES, start=1)]
        year_choices = [(str(year), to_persian_digits(year)) for year in years]
        super().__init__({
            "month": forms.Select(choices=months, attrs={"class": "form-select", "aria-label": f"ماه {which}"}),
            "year": forms.Select(choices=year_choices, attrs={"class": "form-select", "aria-label": f"سال {which}"}),
        })

    def decompress(self, value: Any) -> list[str | None]:
        if isinstance(value, JalaliMonth):
            return [str(value.month), str(value.year)]
        return [None, None]


class MonthChoiceField(forms.MultiValueField):
    def __init__(self, years: list[int], *, which: str, **kwargs: Any) -> None:
        year_values = [(str(year), str(year)) for year in years]
        month_values = [(str(number), str(number)) for number in range(1, 13)]
        error = {"required": MONTH_REQUIRED, "invalid_choice": MONTH_REQUIRED}
        super().__init__(
            fields=(forms.ChoiceField(choices=month_values, error_messages=error),
                    forms.ChoiceField(choices=year_values, error_messages=error)),
            widget=MonthSelect(years, which=which),
            error_messages={"required": MONTH_REQUIRED, "incomplete": MONTH_REQUIRED},
            label=f"ماه {which}",
            **kwargs,
        )

    def compress(self, data_list: list[str]) -> JalaliMonth | None:
        if not data_list:
            return None
        month, year = data_list
        return JalaliMonth(int(year), int(month))


def _radios() -> forms.RadioSelect:
    return forms.RadioSelect(attrs={"class": "form-check-input"})


class CalculatorForm(forms.Form):
    rate_code = forms.ChoiceField(label="نوع بیمه و نرخ", choices=RateCode.choices, widget=_radios(),
                                  initial=RateCode.SELF_EMPLOYED_12)
    basis = forms.ChoiceField(
        label="دستمزد مبنا",
        choices=[(BY_RATIO, "چند برابر حداقل دستمزد"), (BY_MONTHLY_WAGE, "دستمزد ماهانه به ریال")],
        widget=_radios(),
        initial=BY_RATIO,
    )
    ratio = forms.CharField(label="نسبت به حداقل دستمزد", required=False, max_length=10, initial="۱",
                            widget=forms.TextInput(attrs={**_NUMBER_ATTRS, "inputmode": "decimal"}))
    monthly_wage = forms.CharField(label="دستمزد ماهانه (ریال)", required=False, max_length=24,
                                   widget=forms.TextInput(attrs={**_NUMBER_ATTRS, "inputmode": "numeric"}))
    treatment = forms.BooleanField(label="با پوشش درمان", required=False,
                                   widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    dependants = forms.CharField(label="تعداد افراد تحت تکفل", required=False, max_length=3, initial="۰",
                                 widget=forms.TextInput(attrs={**_NUMBER_ATTRS, "inputmode": "numeric"}))

    def __init__(self, *args: Any, years: list[int], current: JalaliMonth, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"start": current, "end": current})
        super().__init__(*args, **kwargs)
        self.fields["start"] = MonthChoiceField(years, which="آغاز")
        self.fields["end"] = MonthChoiceField(years, which="پایان")

    def full_clean(self) -> None:
        super().full_clean()
        # Bootstrap shows a field as invalid by a class on the input itself.
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                for part in getattr(widget, "widgets", [widget]):
                    part.attrs["class"] = f"{part.attrs.get('class', '')} is-invalid".strip()
                    part.attrs["aria-invalid"] = "true"

    def clean_ratio(self) -> int | None:
        return self._if_chosen("ratio", BY_RATIO, parse_ratio, RATIO_REQUIRED)

    def clean_monthly_wage(self) -> int | None:
        return self._if_chosen("monthly_wage", BY_MONTHLY_WAGE, parse_rials, WAGE_REQUIRED)

    def _if_chosen(self, name: str, basis: str, parse: Callable[[str], int], required: str) -> int | None:
        """The wage the visitor chose to give, parsed; the other one is ignored, whatever it holds."""
        if self.cleaned_data.get("basis") != basis:
            return None
        text = self.cleaned_data[name]
        if not text:
            raise forms.ValidationError(required, code="required")
        try:
            return parse(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

    def clean_dependants(self) -> int:
        text = normalize(self.cleaned_data["dependants"] or "0")
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_DEPENDANTS:
            raise forms.ValidationError(DEPENDANTS_INVALID, code="invalid")
        return int(text)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", PERIOD_REVERSED)
            elif end - start >= rules.MAX_MONTHS_PER_SLIP:
                self.add_error("end", PERIOD_TOO_LONG)
        if data.get("treatment") and data.get("rate_code") == RateCode.VOLUNTARY:
            self.add_error("treatment", VOLUNTARY_TREATMENT)
        return data

    @property
    def persons(self) -> int:
        """Who the per-capita fee is charged for: the insured and each dependant, or nobody."""
        return 1 + self.cleaned_data["dependants"] if self.cleaned_data["treatment"] else 0


class EndMonthForm(forms.Form):
    """The month a slip ends at, among those the person's standing allows (online, counter and broker quotes)."""

    end = forms.TypedChoiceField(label="تا پایان ماه", coerce=int)
    request_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, months: list[JalaliMonth] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if months is None:
            # An issue request: slip_issue checks the end against the standing it computes under the contract's
            # lock, so the view does not compute the standing a second time just to list the months.
            self.fields["end"] = forms.IntegerField(label="تا پایان ماه")
        else:
            cast(forms.ChoiceField, self.fields["end"]).choices = [(m.as_int(), m.label) for m in months]

    def clean_end(self) -> JalaliMonth:
        try:
            return JalaliMonth.from_int(self.cleaned_data["end"])
        except ValueError as invalid:
            raise forms.ValidationError(str(invalid)) from None


class VerifyForm(forms.Form):
    """The public check by typed number: the payer's national code must come with it (sequential numbers)."""

    number = DocumentNumberField(label="شماره برگ پرداخت یا برگ بدهی")
    national_code = NationalCodeField(label="کد ملی بیمه‌شده")


class ObjectionForm(forms.Form):
    """«این درست نیست»: what the insured finds wrong in their statement, for the branch to answer."""

    text = forms.CharField(
        label="چه چیزی درست نیست؟", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3,
                                     "placeholder": "مثلاً: ماه مهر را پرداخت کرده‌ام ولی در گردش حساب نیست."}),
    )

    def clean_text(self) -> str:
        return normalize(self.cleaned_data["text"])
