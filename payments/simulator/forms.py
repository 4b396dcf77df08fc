"""The card page's fields and the control page's settings. Digits typed in Persian are accepted everywhere."""

from __future__ import annotations

from django import forms

from payments.simulator.models import Scenario, Terminal
from samt.identifiers import InvalidIdentifier, card_number_clean
from samt.persian import normalize_digits

CVV2_INVALID = "CVV2 باید ۳ یا ۴ رقم باشد."
MONTH_INVALID = "ماه انقضا باید عددی از ۱ تا ۱۲ باشد."
YEAR_INVALID = "سال انقضا را دو رقمی وارد کنید، مثلاً ۰۷."
PIN2_INVALID = "رمز دوم باید ۵ تا ۱۲ رقم باشد."


def _digits(value: str, *, low: int, high: int, message: str) -> str:
    text = normalize_digits(value).strip()
    if not (low <= len(text) <= high and text.isascii() and text.isdigit()):
        raise forms.ValidationError(message)
    return text


def _ltr_input(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric", "class": "form-control ltr-field", **attrs})


class DynamicPasswordForm(forms.Form):
    """Asking for a dynamic password needs only the card number."""

    pan = forms.CharField(label="شماره کارت", widget=_ltr_input(autocomplete="cc-number", maxlength="19"))

    def clean_pan(self) -> str:
        try:
            return card_number_clean(self.cleaned_data["pan"])
        except InvalidIdentifier as error:
            raise forms.ValidationError(error.message) from error


class CardForm(DynamicPasswordForm):
    cvv2 = forms.CharField(label="CVV2", widget=_ltr_input(autocomplete="cc-csc", maxlength="4"))
    expiry_month = forms.CharField(label="ماه", widget=_ltr_input(autocomplete="cc-exp-month", maxlength="2"))
    expiry_year = forms.CharField(label="سال", widget=_ltr_input(autocomplete="cc-exp-year", maxlength="2"))
    pin2 = forms.CharField(
        label="رمز دوم (رمز پویا)",
        widget=forms.PasswordInput(attrs={"dir": "ltr", "inputmode": "numeric", "class": "form-control ltr-field",
                                          "autocomplete": "one-time-code", "maxlength": "12"}),
    )

    def clean_cvv2(self) -> str:
        return _digits(self.cleaned_data["cvv2"], low=3, high=4, message=CVV2_INVALID)

    def clean_expiry_month(self) -> int:
        month = int(_digits(self.cleaned_data["expiry_month"], low=1, high=2, message=MONTH_INVALID))
        if not 1 <= month <= 12:
            raise forms.ValidationError(MONTH_INVALID)
        return month

    def clean_expiry_year(self) -> int:
        return int(_digits(self.cleaned_data["expiry_year"], low=2, high=2, message=YEAR_INVALID))

    def clean_pin2(self) -> str:
        return _digits(self.cleaned_data["pin2"], low=5, high=12, message=PIN2_INVALID)


class TerminalSettingsForm(forms.ModelForm):
    class Meta:
        model = Terminal
        fields = ["merchant_name", "enabled", "callback_style", "allowed_ips", "username", "password"]
        labels = {
            "merchant_name": "نام پذیرنده",
            "enabled": "پایانه فعال است",
            "callback_style": "شیوه بازگشت به پذیرنده",
            "allowed_ips": "نشانی‌های IP مجاز (با ویرگول؛ خالی یعنی همه)",
            "username": "نام کاربری وب‌سرویس (ملت)",
            "password": "گذرواژه وب‌سرویس (ملت)",
        }
        help_texts = {"allowed_ips": ""}
        widgets = {"allowed_ips": forms.TextInput(attrs={"dir": "ltr"})}


class ScenarioForm(forms.ModelForm):
    class Meta:
        model = Scenario
        fields = [
            "token_unavailable", "dynamic_password_seconds", "callback_delay_seconds", "callback_mode",
            "callback_tamper", "receipt_unavailable", "verify_delay_seconds", "verify_fault", "verify_fault_remaining",
            "duplicate_without_detail", "affective_discount_rial",
        ]
        labels = {
            "token_unavailable": "سرویس صدور توکن از کار افتاده است (HTTP 503)",
            "dynamic_password_seconds": "اعتبار رمز پویا (ثانیه)",
            "callback_delay_seconds": "تأخیر بازگشت به پذیرنده (ثانیه)",
            "callback_mode": "بازگشت به پذیرنده",
            "callback_tamper": "دستکاری فیلدهای بازگشت نسخه ۳٫۳",
            "receipt_unavailable": "سرویس رسید در دسترس نیست (HTTP 503)",
            "verify_delay_seconds": "کندی پاسخ تأیید (ثانیه)",
            "verify_fault": "خطای تأیید",
            "verify_fault_remaining": "خطای تأیید برای چند درخواست بعدی",
            "duplicate_without_detail": "پاسخ کد ۲ بدون TransactionDetail",
            "affective_discount_rial": "تخفیف: AffectiveAmount کمتر از مبلغ (ریال)",
        }
