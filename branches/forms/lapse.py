"""Forms of lapse and return at the branch: the extension's reason, the head's decision, a new contract's terms."""

from __future__ import annotations

from typing import Any

from django import forms

from branches.forms.registry import FIRST_MONTH_FUTURE, LTR_NUMBER_ATTRS, TREATMENT_VOLUNTARY, parse_wage_ratio
from insured.models import RateCode
from insured.services import ContractData
from samt.formfields import JalaliMonthFormField
from samt.jalali import JalaliMonth
from samt.persian import normalize


class ReasonForm(forms.Form):
    reason = forms.CharField(label="دلیل", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self) -> str:
        return normalize(self.cleaned_data["reason"])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="تصمیم", choices=[("approve", "تأیید"), ("reject", "رد")],
                                 widget=forms.RadioSelect)
    note = forms.CharField(label="یادداشت (برای رد لازم است)", max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean_note(self) -> str:
        return normalize(self.cleaned_data["note"])


class NewContractForm(forms.Form):
    """The terms of a lapsed person's new contract; their person, login and history stay as they are."""

    rate_code = forms.ChoiceField(label="نوع بیمه و نرخ", choices=RateCode.choices, widget=forms.RadioSelect)
    wage_ratio = forms.CharField(label="نسبت دستمزد مبنا به حداقل دستمزد", help_text="از ۱ تا ۷، مانند ۱٫۳۵",
                                 widget=forms.TextInput(attrs={**LTR_NUMBER_ATTRS, "inputmode": "decimal"}))
    first_month = JalaliMonthFormField(label="نخستین ماه قرارداد تازه")
    treatment = forms.BooleanField(label="پوشش درمان (با سرانه)", required=False)

    def __init__(self, *args: Any, current: JalaliMonth, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        self.fields["first_month"].initial = str(current)

    def clean_wage_ratio(self) -> int:
        return parse_wage_ratio(self.cleaned_data["wage_ratio"].strip())

    def clean_first_month(self) -> JalaliMonth:
        month: JalaliMonth = self.cleaned_data["first_month"]
        if month > self.current:
            raise forms.ValidationError(FIRST_MONTH_FUTURE.format(current=self.current.label))
        return month

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("rate_code") == RateCode.VOLUNTARY and data.get("treatment"):
            self.add_error("treatment", TREATMENT_VOLUNTARY)
        return data

    def contract_data(self) -> ContractData:
        data = self.cleaned_data
        return ContractData(rate_code=data["rate_code"], wage_ratio_hundredths=data["wage_ratio"],
                            first_month=data["first_month"], treatment=data["treatment"])
