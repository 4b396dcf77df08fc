"""The HQ gateway report's period (two days, Jalali ۱۴۰۵/۰۹/۰۴ in any digit script, or ISO), and an expert's
finding on a manual review."""

from __future__ import annotations

import re
from datetime import date, timedelta

import jdatetime
from django import forms

from payments.models import ReviewFinding
from payments.reconciliation import parse_day
from samt.formfields import JalaliDateField
from samt.persian import normalize

LONGEST_PERIOD_DAYS = 93
PERIOD_BACKWARDS = "روز پایان نباید پیش از روز آغاز باشد."
PERIOD_TOO_LONG = "بازه گزارش حداکثر ۹۳ روز است."
FINDING_REQUIRED = "نتیجه بررسی با بانک را برگزینید."
NOTE_REQUIRED = "شرح بررسی را بنویسید: با چه کسی در بانک و چه نتیجه‌ای."
REFERENCE_REQUIRED = "برای «برگشت داده شد» شماره مرجع برگشت وجه را که بانک داده است وارد کنید."
REFERENCE_INVALID = "شماره مرجع برگشت فقط رقم و حرف لاتین است، حداکثر ۳۲ نویسه."


def jalali_text(day: date) -> str:
    return jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")


class JalaliDayField(JalaliDateField):
    """A Jalali day, or an ISO Gregorian one as a PSP's report names it."""

    parse_text = staticmethod(parse_day)
    widget = forms.TextInput(attrs={"maxlength": "10"})


class GatewayReportForm(forms.Form):
    first = JalaliDayField(label="از روز")
    last = JalaliDayField(label="تا روز")

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first"), cleaned.get("last")
        if isinstance(first, date) and isinstance(last, date):
            if last < first:
                raise forms.ValidationError(PERIOD_BACKWARDS)
            if last - first > timedelta(days=LONGEST_PERIOD_DAYS):
                raise forms.ValidationError(PERIOD_TOO_LONG)
        return cleaned


class ReviewCloseForm(forms.Form):
    finding = forms.ChoiceField(label="نتیجه بررسی با بانک", choices=ReviewFinding.choices, widget=forms.RadioSelect,
                                error_messages={"required": FINDING_REQUIRED, "invalid_choice": FINDING_REQUIRED})
    note = forms.CharField(label="شرح بررسی (برای پرونده؛ به پرداخت‌کننده نشان داده نمی‌شود)", max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": NOTE_REQUIRED})
    refund_reference = forms.CharField(
        label="شماره مرجع برگشت وجه (فقط برای «برگشت داده شد»)", required=False, max_length=32,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )

    def clean_note(self) -> str:
        note = normalize(self.cleaned_data["note"])
        if not note:
            raise forms.ValidationError(NOTE_REQUIRED)
        return note

    def clean_refund_reference(self) -> str:
        reference = normalize(self.cleaned_data["refund_reference"]).replace(" ", "")
        if reference and not re.fullmatch(r"[0-9A-Za-z-]{1,32}", reference):
            raise forms.ValidationError(REFERENCE_INVALID)
        return reference

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        refunded = cleaned.get("finding") == ReviewFinding.REFUNDED
        if refunded and not cleaned.get("refund_reference") and "refund_reference" not in self.errors:
            self.add_error("refund_reference", REFERENCE_REQUIRED)
        return cleaned
