"""The HQ gateway report's period: two days, Jalali (۱۴۰۵/۰۹/۰۴, any digit script) or ISO."""

from __future__ import annotations

from datetime import date, timedelta

import jdatetime
from django import forms

from payments.reconciliation import parse_day
from samt.formfields import JalaliDateField

LONGEST_PERIOD_DAYS = 93
PERIOD_BACKWARDS = "روز پایان نباید پیش از روز آغاز باشد."
PERIOD_TOO_LONG = "بازه گزارش حداکثر ۹۳ روز است."


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
