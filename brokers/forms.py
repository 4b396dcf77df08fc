"""The broker pages' forms: they parse and normalise input only; the rules live in services."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from brokers.models import Sanction
from insured.models import Channel, Slip
from samt.formfields import InsuranceNumberField, JalaliDateField, JalaliMonthFormField, NationalCodeField
from samt.models import BrokerOffice, User
from samt.persian import normalize, to_persian_digits

CODE_INVALID = "کد شش‌رقمی پیامک‌شده را وارد کنید."
_SEPARATORS = re.compile(r"[\s-]+")


class LookupForm(forms.Form):
    """Both numbers, always: there is no search by name and no partial match at a broker counter."""

    national_code = NationalCodeField(label="کد ملی", max_length=20)
    insurance_number = InsuranceNumberField(label="شماره بیمه", max_length=20, help_text="۸ تا ۱۰ رقم")


class CodeForm(forms.Form):
    code = forms.CharField(label="کد شش‌رقمی که بیمه‌شده می‌خواند", max_length=12, widget=forms.TextInput(
        attrs={"dir": "ltr", "inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}))

    def clean_code(self) -> str:
        code = _SEPARATORS.sub("", normalize(self.cleaned_data["code"]))
        if not re.fullmatch(r"[0-9]{6}", code):
            raise ValidationError(CODE_INVALID)
        return code


class CardCheckForm(forms.Form):
    card_serial = forms.CharField(
        label="شماره سریال کارت ملی", max_length=20, help_text="پشت کارت ملی هوشمند، یا شماره سریال کارت قدیمی",
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"}))
    confirmed = forms.BooleanField(
        label="کارت ملی اصل را دیدم؛ عکس آن با فرد حاضر و نام و کد ملی آن با این پرونده یکی است.")

    def clean_card_serial(self) -> str:
        serial = _SEPARATORS.sub("", normalize(self.cleaned_data["card_serial"])).upper()
        if not re.fullmatch(r"[0-9A-Z]{6,20}", serial):
            raise ValidationError("شماره سریال کارت را همان‌گونه که روی کارت آمده است (۶ تا ۲۰ حرف و رقم) وارد کنید.")
        return serial


class RialsField(forms.CharField):
    """Whole rials, typed with any digits and with or without thousands separators."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}))
        kwargs.setdefault("initial", "0")
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int:
        text = re.sub(r"[\s,٬،]+", "", normalize(super().clean(value) or "0"))
        if not re.fullmatch(r"[0-9]{1,15}", text):
            raise ValidationError("مبلغ را به ریال و فقط با رقم وارد کنید.")
        return int(text)


class FaultCaseForm(forms.Form):
    office = forms.ModelChoiceField(label="کارگزاری", queryset=BrokerOffice.objects.none())
    operator = forms.ModelChoiceField(label="کاربر کارگزاری (اگر قصور از کاربر معینی است)", required=False,
                                      queryset=User.objects.none())
    occurred_on = JalaliDateField(label="تاریخ رخداد")
    what_happened = forms.CharField(label="شرح رخداد", widget=forms.Textarea(attrs={"rows": 4}))
    slip_numbers = forms.CharField(label="شماره برگ‌های مرتبط", required=False,
                                   help_text="با فاصله یا ویرگول جدا کنید؛ فقط برگ‌هایی که همین کارگزاری صادر کرده است.",
                                   widget=forms.TextInput(attrs={"dir": "ltr"}))
    loss_to_organisation = RialsField(label="زیان به سازمان (ریال)")
    loss_to_insured = RialsField(label="زیان به بیمه‌شدگان (ریال)")
    responsible_person = forms.CharField(label="مسئول پاسخ‌گو", max_length=128,
                                         help_text="به حکم تبصره بند ۴، مسئول کارگزاری پاسخ‌گوی زیان است.")

    def __init__(self, *args: Any, offices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        office = cast("forms.ModelChoiceField[BrokerOffice]", self.fields["office"])
        operator = cast("forms.ModelChoiceField[User]", self.fields["operator"])
        office.queryset = offices
        operator.queryset = User.objects.filter(membership__office__in=offices).order_by("username")
        # The choice labels differ per field; a per-instance function is how ModelChoiceField lets one say so.
        office.label_from_instance = lambda office: f"{office.name} ({to_persian_digits(office.code)})"  # type: ignore[method-assign,assignment]
        operator.label_from_instance = lambda user: f"{user.display_name} ({user.username})"  # type: ignore[method-assign,assignment]

    def clean_what_happened(self) -> str:
        return normalize(self.cleaned_data["what_happened"])

    def clean_responsible_person(self) -> str:
        return normalize(self.cleaned_data["responsible_person"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        office, operator = data.get("office"), data.get("operator")
        if office is None:
            return data
        if operator is not None and operator.membership.office_id != office.pk:
            self.add_error("operator", "این کاربر در کارگزاری انتخاب‌شده کار نمی‌کند.")
        data["slips"] = self._slips(office, data.get("slip_numbers", ""))
        return data

    def _slips(self, office: BrokerOffice, text: str) -> list[Slip]:
        numbers = [n for n in re.split(r"[\s,،]+", normalize(text)) if n]
        found = {s.number: s for s in Slip.objects.filter(number__in=numbers, office=office, channel=Channel.BROKER)}
        missing = [n for n in numbers if n not in found]
        if missing:
            self.add_error("slip_numbers", f"این برگ‌ها را این کارگزاری صادر نکرده است: {'، '.join(missing)}")
        return list(found.values())


class DecisionForm(forms.Form):
    decision = forms.CharField(label="تصمیم", widget=forms.Textarea(attrs={"rows": 3}))
    sanction = forms.ChoiceField(label="مجازات", choices=Sanction.choices, widget=forms.RadioSelect)

    def clean_decision(self) -> str:
        return normalize(self.cleaned_data["decision"])


class MonthForm(forms.Form):
    month = JalaliMonthFormField(label="ماه", required=False)
