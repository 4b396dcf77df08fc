"""Forms of the credential workflow: they parse and normalise what staff type, nothing more."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from branches.models import Applicant
from branches.services import COPY2_NOT_HANDED, AttorneyData
from samt.formfields import JalaliDateField, MobileField, NationalCodeField
from samt.persian import normalize

DETAILS_MATCH_LABEL = ("نام، نام پدر و تاریخ تولد روی مدرک با مشخصات بالا یکی است و عکس مدرک به کسی که "
                       "جلوی شماست می‌خورد.")
DETAILS_MATCH_REQUIRED = "بدون تطبیق مدرک با دارنده‌اش نمی‌توان ادامه داد."
ATTORNEY_FIELD_REQUIRED = "برای درخواست وکیل این مورد لازم است."


class NormalizedCharField(forms.CharField):
    def to_python(self, value: Any) -> str:
        return normalize(super().to_python(value) or "")


class InsuredLookupForm(forms.Form):
    national_code = NationalCodeField(label="کد ملی بیمه‌شده (از روی کارت ملی)")


class IdentityFields(forms.Form):
    """What the staff member saw: at least one original document, matched to its holder."""

    saw_national_card = forms.BooleanField(label="اصل کارت ملی را دیدم", required=False)
    saw_birth_certificate = forms.BooleanField(label="اصل شناسنامه را دیدم", required=False)
    details_match = forms.BooleanField(label=DETAILS_MATCH_LABEL,
                                       error_messages={"required": DETAILS_MATCH_REQUIRED})

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not (data.get("saw_national_card") or data.get("saw_birth_certificate")):
            raise forms.ValidationError("دست‌کم یکی از دو مدرک (کارت ملی یا شناسنامه) را ببینید و علامت بزنید.")
        return data


ATTORNEY_FIELDS = ("attorney_national_code", "attorney_first_name", "attorney_last_name", "attorney_mobile",
                   "notary_office_number", "notary_city", "document_number", "document_date", "expires_on")


class RequestForm(IdentityFields):
    applicant = forms.ChoiceField(label="درخواست‌دهنده", choices=Applicant.choices, widget=forms.RadioSelect,
                                  initial=Applicant.INSURED)
    attorney_national_code = NationalCodeField(label="کد ملی وکیل", required=False)
    attorney_first_name = NormalizedCharField(label="نام وکیل", max_length=64, required=False)
    attorney_last_name = NormalizedCharField(label="نام خانوادگی وکیل", max_length=64, required=False)
    attorney_mobile = MobileField(label="تلفن همراه وکیل", required=False)
    notary_office_number = NormalizedCharField(label="شماره دفترخانه اسناد رسمی", max_length=8, required=False,
                                               widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}))
    notary_city = NormalizedCharField(label="شهر دفترخانه", max_length=64, required=False)
    document_number = NormalizedCharField(label="شماره وکالتنامه", max_length=32, required=False,
                                          widget=forms.TextInput(attrs={"dir": "ltr"}))
    document_date = JalaliDateField(label="تاریخ وکالتنامه", required=False)
    expires_on = JalaliDateField(label="پایان اعتبار وکالتنامه", required=False)
    covers_credentials = forms.BooleanField(
        label="در وکالتنامه اختیار درخواست و دریافت نام کاربری و گذرواژه سامانه به وکیل داده شده است",
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("applicant") == Applicant.ATTORNEY:
            for name in ATTORNEY_FIELDS:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, ATTORNEY_FIELD_REQUIRED)
        return data

    def attorney_data(self) -> AttorneyData | None:
        data = self.cleaned_data
        if data["applicant"] != Applicant.ATTORNEY:
            return None
        return AttorneyData(**{name: data[name] for name in (*ATTORNEY_FIELDS, "covers_credentials")})


class DeliveryForm(IdentityFields):
    recipient = forms.ChoiceField(label="تحویل‌گیرنده", choices=Applicant.choices, widget=forms.RadioSelect,
                                  initial=Applicant.INSURED)
    national_code = NationalCodeField(label="کد ملی روی مدرک شناسایی تحویل‌گیرنده")
    copy2_handed_over = forms.BooleanField(
        label="نامه مهروموم‌شده و نسخه دوم فرم درخواست به تحویل‌گیرنده داده شد",
        error_messages={"required": COPY2_NOT_HANDED},
    )

    def __init__(self, *args: Any, has_attorney: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_attorney:
            cast(forms.ChoiceField, self.fields["recipient"]).choices = [(Applicant.INSURED, Applicant.INSURED.label)]
        self.fields["details_match"].label = DETAILS_MATCH_LABEL.replace("مشخصات بالا", "مشخصات تحویل‌گیرنده")


class ReasonForm(forms.Form):
    reason = NormalizedCharField(label="دلیل", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                 max_length=500)
