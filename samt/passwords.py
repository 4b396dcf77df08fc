"""Django's password validators, speaking Persian with Persian digits and the site's one word for password.

Django's own Persian catalogue says «رمز عبور» and prints the length with Latin digits, and some of its newer
messages are not translated at all; these subclasses keep Django's rules and replace only what people read.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation as django_validators
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from samt.persian import to_persian_digits


class MinimumLengthValidator(django_validators.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"این گذرواژه کوتاه است: دست‌کم {to_persian_digits(self.min_length)} نویسه لازم است."

    def get_help_text(self) -> str:
        return f"گذرواژه دست‌کم {to_persian_digits(self.min_length)} نویسه باشد."


class UserAttributeSimilarityValidator(django_validators.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return "این گذرواژه بیش از اندازه به %(verbose_name)s شما شبیه است."

    def get_help_text(self) -> str:
        return "گذرواژه به نام، نام کاربری یا دیگر اطلاعات شما شبیه نباشد."


class CommonPasswordValidator(django_validators.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return "این گذرواژه بسیار رایج است و به‌آسانی حدس زده می‌شود."

    def get_help_text(self) -> str:
        return "گذرواژه از گذرواژه‌های رایج نباشد."


class NumericPasswordValidator(django_validators.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return "این گذرواژه فقط از رقم ساخته شده است."

    def get_help_text(self) -> str:
        return "گذرواژه فقط از رقم ساخته نشود."


class NotTheCurrentPasswordValidator:
    """A new password must differ from the one it replaces: the forced first change would otherwise keep the password
    printed on the branch's letter, and every change the one that may have leaked. Checked against the stored hash,
    so it holds on every page that changes a password (the password page, the admin)."""

    MESSAGE = "گذرواژه تازه باید با گذرواژه کنونی فرق داشته باشد."

    def validate(self, password: str, user: Any = None) -> None:
        current = getattr(user, "password", "")
        # hashers.check_password, not user.check_password: the latter may re-hash and save the user as a side effect.
        if current and check_password(password, current):
            raise ValidationError(self.MESSAGE, code="password_unchanged")

    def get_help_text(self) -> str:
        return "گذرواژه تازه با گذرواژه کنونی یکی نباشد."
