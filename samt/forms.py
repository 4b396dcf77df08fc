"""Forms of the kernel's own pages: login, second factor, the audit filter."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest

from samt.audit_names import GROUP_NAMES
from samt.formfields import JalaliDateField
from samt.models import Branch, BrokerOffice, Province
from samt.persian import normalize, normalize_digits

USERNAME_LABEL = "نام کاربری"
PASSWORD_LABEL = "گذرواژه"
TOKEN_INVALID = "کد شش‌رقمی درست نیست یا زمانش گذشته است. کد تازه را از برنامه بخوانید."


def normalize_username(raw: str | None) -> str:
    # People type national codes with Persian digits; one spelling per account keeps the lockout honest.
    return normalize(raw or "").lower()


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Axes' view of the username: normalised exactly as the login form does, so that switching digit
    scripts cannot buy extra attempts."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_username(raw)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "نام کاربری یا گذرواژه درست نیست. به بزرگی و کوچکی حروف دقت کنید.",
        "inactive": "این حساب غیرفعال است. برای فعال‌سازی به شعبه خود مراجعه کنید.",
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = USERNAME_LABEL
        self.fields["username"].widget.attrs.update(dir="ltr", autocomplete="username", autocapitalize="none")
        self.fields["password"].label = PASSWORD_LABEL

    def clean_username(self) -> str:
        return normalize_username(self.cleaned_data.get("username"))


class TokenForm(forms.Form):
    token = forms.CharField(
        label="کد شش‌رقمی برنامه تأیید هویت",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = normalize_digits(self.cleaned_data["token"]).replace(" ", "")
        if not token.isascii() or not token.isdigit() or len(token) != 6:
            raise forms.ValidationError(TOKEN_INVALID)
        return token


class PersianPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "گذرواژه کنونی"
        self.fields["new_password1"].label = "گذرواژه تازه"
        self.fields["new_password2"].label = "تکرار گذرواژه تازه"
        self.fields["new_password2"].help_text = "برای اطمینان، گذرواژه تازه را دوباره بنویسید."
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": "گذرواژه کنونی درست وارد نشده است.",
            "password_mismatch": "دو گذرواژه تازه یکسان نیستند.",
        }


# Each filter is as long as what it is compared with: a longer text matches nothing and is refused as typed.
TOO_LONG = {"max_length": "این خانه بیش از اندازه بلند است؛ کوتاه‌ترش کنید."}


class AuditFilterForm(forms.Form):
    group = forms.ChoiceField(label="گروه رویداد", required=False,
                              choices=[("", "همه"), *sorted(GROUP_NAMES.items(), key=lambda item: item[1])])
    action = forms.CharField(label="رویداد (کد)", required=False, max_length=64, error_messages=TOO_LONG)
    person = forms.CharField(label="کد ملی بیمه‌شده", required=False, max_length=10, error_messages=TOO_LONG,
                             widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}))
    actor = forms.CharField(label="انجام‌دهنده (نام کاربری)", required=False, max_length=150,
                            error_messages=TOO_LONG)
    subject = forms.CharField(label="موضوع (شناسه یا نام)", required=False, max_length=100,
                              error_messages=TOO_LONG)
    province: forms.ModelChoiceField[Province] = forms.ModelChoiceField(
        label="استان", queryset=None, required=False, empty_label="همه")
    branch: forms.ModelChoiceField[Branch] = forms.ModelChoiceField(
        label="شعبه", queryset=None, required=False, empty_label="همه")
    office: forms.ModelChoiceField[BrokerOffice] = forms.ModelChoiceField(
        label="کارگزاری", queryset=None, required=False, empty_label="همه")
    since = JalaliDateField(label="از تاریخ", required=False)
    until = JalaliDateField(label="تا تاریخ", required=False)

    def __init__(self, *args: Any, branches: QuerySet[Branch], offices: QuerySet[BrokerOffice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces = Province.objects.filter(branches__in=branches).distinct()
        if provinces.count() > 1:
            cast("forms.ModelChoiceField[Province]", self.fields["province"]).queryset = provinces
        else:
            del self.fields["province"]
        cast("forms.ModelChoiceField[Branch]", self.fields["branch"]).queryset = branches
        cast("forms.ModelChoiceField[BrokerOffice]", self.fields["office"]).queryset = offices

    def clean_action(self) -> str:
        return normalize(self.cleaned_data["action"])

    def clean_person(self) -> str:
        return normalize(self.cleaned_data["person"])

    def clean_actor(self) -> str:
        return normalize_username(self.cleaned_data["actor"])

    def clean_subject(self) -> str:
        return normalize(self.cleaned_data["subject"])

