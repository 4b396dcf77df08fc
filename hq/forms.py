"""Forms of the province's pages: each parses and normalises one kind of reference row into JSON-safe values;
the rules (never a used row, no overlap, four eyes) live in the services."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from brokers.forms import RialsField
from hq.models import ChangeKind
from insured import ledger, rules
from insured.models import RateCode
from samt.formfields import JalaliDateField, JalaliMonthFormField
from samt.models import Branch, BrokerOffice, OfficeStatus, Province
from samt.persian import normalize

YEAR_INVALID = "سال را چهار رقمی وارد کنید، مانند ۱۴۰۵."
PERCENT_INVALID = "نرخ را به درصد وارد کنید، مانند ۱۸ یا ۱۲٫۵."


class YearField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric",
                                                           "placeholder": "۱۴۰۵"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int:
        text = normalize(super().clean(value) or "")
        if not re.fullmatch(r"1[34][0-9]{2}", text):
            raise ValidationError(YEAR_INVALID)
        return int(text)


class PercentField(forms.CharField):
    """A rate typed as a percentage (۱۸، 12.5، ۱۲/۵), cleaned to basis points."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr", "inputmode": "decimal"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int:
        text = normalize(super().clean(value) or "").replace("٫", ".").replace("/", ".").rstrip("%")
        try:
            basis_points = Decimal(text) * rules.RATE_BASIS / 100
        except InvalidOperation:
            raise ValidationError(PERCENT_INVALID) from None
        if basis_points != basis_points.to_integral_value():
            raise ValidationError(PERCENT_INVALID)
        return int(basis_points)


def _reason_field() -> forms.CharField:
    return forms.CharField(label="علت ثبت یا اصلاح (برای مدیر کل و پرونده ممیزی)",
                           widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


def _source_field() -> forms.CharField:
    return forms.CharField(label="مأخذ (شماره و تاریخ مصوبه یا بخشنامه)", max_length=255)


class ChangeForm(forms.Form):
    kind: str

    def values(self) -> dict[str, Any]:
        data = {name: value for name, value in self.cleaned_data.items() if name not in ("reason", "office")}
        return {name: (value.as_int() if hasattr(value, "as_int") else value) for name, value in data.items()}


class WageForm(ChangeForm):
    kind = ChangeKind.WAGE
    effective_from = JalaliMonthFormField(label="اجرا از ماه")
    min_daily = RialsField(label="حداقل دستمزد روزانه (ریال)")
    ceiling_daily = RialsField(label="سقف دستمزد روزانه (ریال)")
    source = _source_field()
    reason = _reason_field()


class PerCapitaForm(ChangeForm):
    kind = ChangeKind.PER_CAPITA
    year = YearField(label="سال")
    per_capita_monthly = RialsField(label="سرانه درمان ماهانه هر نفر (ریال)")
    effective_from = JalaliDateField(
        label="اجرا از تاریخ", help_text="اصلاح رقمی که در اجراست از امروز یا پس از آن اجرا می‌شود؛ تفاوت ماه‌های "
                                         "پرداخت‌شده در گردش حساب سال گرفته می‌شود.")
    source = _source_field()
    reason = _reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].initial = ledger.tehran_today()

    def values(self) -> dict[str, Any]:
        data = super().values()
        return {**data, "effective_from": data["effective_from"].isoformat()}


class SchemeRateForm(ChangeForm):
    kind = ChangeKind.SCHEME_RATE
    rate_code = forms.ChoiceField(label="کد نرخ", choices=RateCode.choices)
    effective_from = JalaliMonthFormField(label="اجرا از ماه")
    rate_bp = PercentField(label="نرخ سهم بیمه‌شده (درصد)")
    reason = _reason_field()


class FeeTariffForm(ChangeForm):
    kind = ChangeKind.FEE_TARIFF
    year = YearField(label="سال")
    amount = RialsField(label="کارمزد صدور هر برگ (ریال)")
    approval_reference = forms.CharField(label="شماره و تاریخ مصوبه", max_length=128)
    effective_from = JalaliDateField(label="اجرا از تاریخ")
    effective_to = JalaliDateField(label="اجرا تا تاریخ")
    reason = _reason_field()

    def values(self) -> dict[str, Any]:
        data = super().values()
        return {**data, "effective_from": data["effective_from"].isoformat(),
                "effective_to": data["effective_to"].isoformat()}


class OfficeStatusForm(ChangeForm):
    kind = ChangeKind.OFFICE_STATUS
    office = forms.ModelChoiceField(label="کارگزاری", queryset=BrokerOffice.objects.none())
    status = forms.ChoiceField(label="تصمیم", choices=[(OfficeStatus.SUSPENDED, "تعلیق کارگزاری"),
                                                       (OfficeStatus.ACTIVE, "رفع تعلیق (فعال)")])
    reason = _reason_field()

    def __init__(self, *args: Any, offices: QuerySet[BrokerOffice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[BrokerOffice]", self.fields["office"]).queryset = offices


FORMS: dict[str, type[ChangeForm]] = {
    form.kind: form for form in (WageForm, PerCapitaForm, SchemeRateForm, FeeTariffForm, OfficeStatusForm)
}


class RejectForm(forms.Form):
    note = forms.CharField(label="علت رد", widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class ReportFilterForm(forms.Form):
    month = JalaliMonthFormField(label="ماه", required=False)
    province = forms.ModelChoiceField(label="استان", queryset=Province.objects.none(), required=False,
                                      empty_label="همه استان‌ها")
    branch = forms.ModelChoiceField(label="شعبه", queryset=Branch.objects.none(), required=False,
                                    empty_label="همه شعبه‌ها", to_field_name="code")

    def __init__(self, *args: Any, branches: QuerySet[Branch], provinces: QuerySet[Province], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Branch]", self.fields["branch"]).queryset = branches
        cast("forms.ModelChoiceField[Province]", self.fields["province"]).queryset = provinces
        if provinces.count() <= 1:
            del self.fields["province"]


class StatementsRunForm(forms.Form):
    year = YearField(label="سال گردش حساب")


class ImportForm(forms.Form):
    file = forms.FileField(label="پرونده CSV سامانه پیشین (UTF-8، ستون‌ها به ترتیب راهنمای قالب درون‌بُرد)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError("پرونده باید با نویسه‌بندی UTF-8 ذخیره شده باشد.") from None
        return data
