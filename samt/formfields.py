"""Form fields for identifiers and months: normalise the text, then validate it.

`clean()` returns the stored form (e.g. a 10-digit ASCII national code), so a form never hands a
view two spellings of the same number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError

from samt import identifiers
from samt.formatting import jdate
from samt.identifiers import InvalidIdentifier
from samt.jalali import MONTH_TEXT_INVALID, JalaliMonth, parse_jalali_date
from samt.persian import normalize, to_persian_digits

_TYPED_AS_IS = {"dir": "ltr", "autocomplete": "off", "spellcheck": "false"}


class IdentifierField(forms.CharField):
    """Base: subclasses name the identifiers function that turns text into its stored form."""

    clean_identifier: Callable[[str], str]
    input_attrs: ClassVar[dict[str, str]] = {**_TYPED_AS_IS, "inputmode": "numeric"}

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        if text in self.empty_values:
            return text
        try:
            return self.clean_identifier(normalize(text))
        except InvalidIdentifier as exc:
            raise ValidationError(exc.message, code="invalid") from exc

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), **_defaults_for(widget, self.input_attrs)}


class NationalCodeField(IdentifierField):
    clean_identifier = staticmethod(identifiers.national_code_clean)


class InsuranceNumberField(IdentifierField):
    clean_identifier = staticmethod(identifiers.insurance_number_clean)


class LegalEntityIdField(IdentifierField):
    clean_identifier = staticmethod(identifiers.legal_entity_id_clean)


class CardNumberField(IdentifierField):
    clean_identifier = staticmethod(identifiers.card_number_clean)


class ShebaField(IdentifierField):
    clean_identifier = staticmethod(identifiers.sheba_clean)
    # "IR" has to be typed, so no numeric keypad.
    input_attrs: ClassVar[dict[str, str]] = {**_TYPED_AS_IS, "autocapitalize": "characters"}


class MobileField(IdentifierField):
    clean_identifier = staticmethod(identifiers.mobile_normalize)
    # A person's own number is the common case, so let the browser offer it.
    input_attrs: ClassVar[dict[str, str]] = {"dir": "ltr", "inputmode": "tel", "autocomplete": "tel"}


class DocumentNumberField(IdentifierField):
    """Slip, request and receipt numbers, which end in our mod-11 check digit."""

    clean_identifier = staticmethod(identifiers.document_number_clean)


class JalaliMonthFormField(forms.Field):
    """A month typed as "1405/01" (Persian digits welcome); cleans to a JalaliMonth."""

    default_error_messages: ClassVar[dict[str, Any]] = {"invalid": MONTH_TEXT_INVALID}

    def to_python(self, value: Any) -> JalaliMonth | None:
        if value in self.empty_values:
            return None
        try:
            return _as_month(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def prepare_value(self, value: Any) -> Any:
        # Shown the way people write it, "۱۴۰۵/۰۱", whichever digits were typed: the text is normalised on the
        # way in, so the page never shows ASCII digits beside Persian ones.
        try:
            return to_persian_digits(str(_as_month(value)))
        except (TypeError, ValueError):
            return value  # redisplay what the user typed

    def has_changed(self, initial: Any, data: Any) -> bool:
        if self.disabled:
            return False
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # No inputmode="numeric": phone number pads have no "/".
        attrs = {**_TYPED_AS_IS, "placeholder": "۱۴۰۵/۰۱"}
        return {**super().widget_attrs(widget), **_defaults_for(widget, attrs)}


class JalaliDateField(forms.Field):
    """A day typed as "1405/09/04" (Persian digits welcome); cleans to a Gregorian date, shown back in Jalali.

    Subclasses may name another parser (one that also takes ISO dates, say); its ValueError's text is the error.
    """

    parse_text: Callable[[str], date] = staticmethod(parse_jalali_date)

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date):
            return value
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        try:
            return self.parse_text(text)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None

    def prepare_value(self, value: Any) -> Any:
        return jdate(value) if isinstance(value, date) else value  # else redisplay what the user typed

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # No inputmode="numeric", as for months: phone number pads have no "/".
        attrs = {**_TYPED_AS_IS, "placeholder": "۱۴۰۵/۰۹/۰۴"}
        return {**super().widget_attrs(widget), **_defaults_for(widget, attrs)}


def _defaults_for(widget: forms.Widget, attrs: dict[str, str]) -> dict[str, str]:
    # Attributes given on the widget win, e.g. autocomplete="off" on a staff form's MobileField.
    return {key: value for key, value in attrs.items() if key not in widget.attrs}


def _as_month(value: Any) -> JalaliMonth:
    if isinstance(value, JalaliMonth):
        return value
    if isinstance(value, int):
        return JalaliMonth.from_int(value)
    return JalaliMonth.parse(str(value))
