"""Model fields for samt's own value types."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import Combinable
from django.db.models.query_utils import DeferredAttribute
from django.utils.functional import cached_property

from samt.formfields import JalaliMonthFormField
from samt.jalali import MONTH_TEXT_INVALID, JalaliMonth
from samt.persian import normalize_digits


class _JalaliMonthAttribute(DeferredAttribute):
    """Converts on assignment, so `instance.month` is a JalaliMonth however it was set."""

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = self.field.to_python(value)


if TYPE_CHECKING:
    # What django-stubs types assignments to a month field and reads of it as: a JalaliMonth, not the int column.
    _MonthColumn = models.IntegerField[JalaliMonth | int | str | Combinable, JalaliMonth]
else:
    _MonthColumn = models.IntegerField


class JalaliMonthField(_MonthColumn):
    """A Jalali month stored as the integer YYYYMM (so the column sorts and compares as months).

    Accepts a JalaliMonth, an int YYYYMM or text ("1405/01" or "140501") on assignment and in
    lookups; reads back as JalaliMonth.
    """

    description = "Jalali month (YYYYMM)"
    descriptor_class = _JalaliMonthAttribute
    default_error_messages: ClassVar[dict[str, Any]] = {"invalid": MONTH_TEXT_INVALID}

    @cached_property
    def validators(self) -> list[Any]:
        # IntegerField adds range validators that would compare a JalaliMonth with an int;
        # YYYYMM always fits the column, and JalaliMonth itself checks the range.
        own: list[Any] = self._validators  # type: ignore[attr-defined]  # set by Field.__init__
        return [*self.default_validators, *own]

    def to_python(self, value: Any) -> JalaliMonth | None:
        if value is None or isinstance(value, JalaliMonth):
            return value
        try:
            return _month_from(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from exc

    def from_db_value(self, value: int | None, expression: Any, connection: Any) -> JalaliMonth | None:
        return None if value is None else JalaliMonth.from_int(value)

    def get_prep_value(self, value: Any) -> int | None:
        value = models.Field.get_prep_value(self, value)  # resolves lazy objects
        if value is None:
            return None
        # Refusing a malformed month here keeps 140513 out of the column and out of lookups.
        month = self.to_python(value)
        return None if month is None else month.as_int()

    def formfield(self, form_class: type[forms.Field] | None = None,
                  choices_form_class: type[forms.ChoiceField] | None = None, **kwargs: Any) -> forms.Field | None:
        return super().formfield(form_class=form_class or JalaliMonthFormField, choices_form_class=choices_form_class,
                                 **kwargs)


def _month_from(value: Any) -> JalaliMonth:
    if isinstance(value, int):
        return JalaliMonth.from_int(value)
    if isinstance(value, str):
        text = normalize_digits(value).strip()
        if text.isascii() and text.isdigit():
            return JalaliMonth.from_int(int(text))
        return JalaliMonth.parse(text)
    raise TypeError(f"cannot make a JalaliMonth from {value!r}")
