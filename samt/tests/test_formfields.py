"""Form fields (samt/formfields.py) and the JalaliMonth model field (samt/fields.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.test.utils import isolate_apps

from samt.fields import JalaliMonthField
from samt.formfields import (
    CardNumberField,
    DocumentNumberField,
    JalaliDateField,
    JalaliMonthFormField,
    LegalEntityIdField,
    MobileField,
    NationalCodeField,
    ShebaField,
)
from samt.identifiers import (
    CARD_NUMBER_INVALID,
    DOCUMENT_NUMBER_INVALID,
    LEGAL_ENTITY_ID_INVALID,
    MOBILE_INVALID,
    NATIONAL_CODE_INVALID,
    NATIONAL_CODE_LENGTH,
    SHEBA_INVALID,
    SHEBA_LENGTH,
)
from samt.jalali import DATE_TEXT_INVALID, MONTH_TEXT_INVALID, JalaliMonth


class PersonForm(forms.Form):
    national_code = NationalCodeField()
    mobile = MobileField(required=False)
    month = JalaliMonthFormField(required=False)


def errors_of(field: forms.Field, value: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        field.clean(value)
    return caught.value.messages


# Identifier fields --------------------------------------------------------------------------------


def test_national_code_field_cleans_persian_digits_to_the_stored_form() -> None:
    assert NationalCodeField().clean("۰۴۹۹۳۷۰۸۹۹") == "0499370899"
    assert NationalCodeField().clean(" \u200f۴۹۹-۳۷۰۸۹۹\u200e ") == "0499370899"
    assert NationalCodeField().clean("٨٤٥٧٥٩٤٨") == "0084575948"


def test_national_code_field_explains_what_is_wrong() -> None:
    assert errors_of(NationalCodeField(), "0499370898") == [NATIONAL_CODE_INVALID]
    assert errors_of(NationalCodeField(), "۱۲۳۴") == [NATIONAL_CODE_LENGTH]
    assert errors_of(NationalCodeField(), "1111111111") == [NATIONAL_CODE_INVALID]


def test_an_optional_identifier_field_may_stay_empty() -> None:
    assert NationalCodeField(required=False).clean("   ") == ""
    assert MobileField(required=False).clean("") == ""


def test_a_required_identifier_field_refuses_empty_input() -> None:
    with pytest.raises(ValidationError) as caught:
        NationalCodeField().clean("")
    assert caught.value.code == "required"


def test_a_form_reports_the_persian_message_against_the_field() -> None:
    form = PersonForm(data={"national_code": "۰۴۹۹۳۷۰۸۹۸", "mobile": "0812", "month": "1405/13"})
    assert not form.is_valid()
    assert form.errors == {
        "national_code": [NATIONAL_CODE_INVALID],
        "mobile": [MOBILE_INVALID],
        "month": [MONTH_TEXT_INVALID],
    }


def test_a_form_hands_views_the_normalised_values() -> None:
    form = PersonForm(data={"national_code": "۰۰۸۴۵۷۵۹۴۸", "mobile": "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷", "month": "۱۴۰۵/۰۱"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "national_code": "0084575948",
        "mobile": "09121234567",
        "month": JalaliMonth(1405, 1),
    }


def test_legal_entity_id_field() -> None:
    assert LegalEntityIdField().clean("۱۰۳۸۰۲۸۴۷۹۰") == "10380284790"
    assert errors_of(LegalEntityIdField(), "10380284791") == [LEGAL_ENTITY_ID_INVALID]


def test_card_number_field() -> None:
    assert CardNumberField().clean("۶۰۳۷-۹۹۱۲-۳۴۵۶-۷۸۹۳") == "6037991234567893"
    assert errors_of(CardNumberField(), "6037991234567890") == [CARD_NUMBER_INVALID]


def test_sheba_field() -> None:
    assert ShebaField().clean("ir82 0540 1026 8002 0817 9090 02") == "IR820540102680020817909002"
    assert errors_of(ShebaField(), "IR830540102680020817909002") == [SHEBA_INVALID]
    assert errors_of(ShebaField(), "IR8205401026800208179090") == [SHEBA_LENGTH]


def test_mobile_field() -> None:
    assert MobileField().clean("00989121234567") == "09121234567"
    assert errors_of(MobileField(), "+44 7700 900123") == [MOBILE_INVALID]


def test_document_number_field_checks_the_check_digit() -> None:
    assert DocumentNumberField().clean("۱۲۳۶") == "1236"
    assert errors_of(DocumentNumberField(), "1237") == [DOCUMENT_NUMBER_INVALID]
    assert errors_of(DocumentNumberField(), "12a6") == [DOCUMENT_NUMBER_INVALID]


@pytest.mark.parametrize(
    "field_class",
    [NationalCodeField, LegalEntityIdField, CardNumberField, DocumentNumberField],
)
def test_numeric_fields_ask_for_a_numeric_keypad_left_to_right(field_class: type[forms.Field]) -> None:
    attrs = field_class().widget.attrs
    assert attrs["inputmode"] == "numeric"
    assert attrs["dir"] == "ltr"
    assert attrs["autocomplete"] == "off"


def test_sheba_field_needs_letters_so_no_numeric_keypad() -> None:
    attrs = ShebaField().widget.attrs
    assert "inputmode" not in attrs
    assert attrs["dir"] == "ltr"


def test_mobile_field_offers_the_telephone_keypad() -> None:
    attrs = MobileField().widget.attrs
    assert attrs["inputmode"] == "tel"
    assert attrs["dir"] == "ltr"


def test_attributes_given_on_the_widget_win() -> None:
    field = MobileField(widget=forms.TextInput(attrs={"autocomplete": "off"}))
    assert field.widget.attrs["autocomplete"] == "off"
    assert field.widget.attrs["inputmode"] == "tel"


def test_max_length_still_applies_to_the_rendered_input() -> None:
    assert NationalCodeField(max_length=12).widget.attrs["maxlength"] == "12"


# JalaliMonthFormField ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1405/01", "1405-1", "۱۴۰۵/۰۱", "١٤٠٥/٠١"])
def test_month_form_field_parses_typed_months(text: str) -> None:
    assert JalaliMonthFormField().clean(text) == JalaliMonth(1405, 1)


@pytest.mark.parametrize("text", ["1405", "1405/13", "فروردین", "05/01"])
def test_month_form_field_refuses_other_text_in_persian(text: str) -> None:
    assert errors_of(JalaliMonthFormField(), text) == [MONTH_TEXT_INVALID]


def test_optional_month_form_field_cleans_empty_to_none() -> None:
    assert JalaliMonthFormField(required=False).clean("") is None


def test_month_form_field_shows_months_in_persian_digits() -> None:
    field = JalaliMonthFormField()
    assert field.prepare_value(JalaliMonth(1405, 1)) == "۱۴۰۵/۰۱"
    assert field.prepare_value(140501) == "۱۴۰۵/۰۱"
    assert field.prepare_value("1405-1") == "۱۴۰۵/۰۱"  # typed with ASCII digits, shown back in Persian
    assert field.prepare_value("14o5/01") == "14o5/01"


def test_month_form_field_rerenders_what_the_user_typed() -> None:
    form = PersonForm(data={"national_code": "0499370899", "month": "۱۴۰۵/۱۳"})
    assert not form.is_valid()
    assert 'value="۱۴۰۵/۱۳"' in str(form["month"])


def test_month_form_field_sees_one_month_in_any_spelling_as_unchanged() -> None:
    field = JalaliMonthFormField()
    assert not field.has_changed(140501, "۱۴۰۵/۰۱")
    assert not field.has_changed(JalaliMonth(1405, 1), "1405-1")
    assert field.has_changed(140501, "1405/02")
    assert field.has_changed(140501, "nonsense")


# JalaliDateField ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1405/09/04", "1405-9-4", "۱۴۰۵/۰۹/۰۴", "١٤٠٥/٠٩/٠٤", " ۱۴۰۵ / ۰۹ / ۰۴ "])
def test_date_form_field_parses_a_typed_jalali_day_to_a_gregorian_date(text: str) -> None:
    assert JalaliDateField().clean(text) == date(2026, 11, 25)


@pytest.mark.parametrize("text", ["1405/12/30", "1405/13/01", "04/09/1405", "۴ آذر", "1405/09"])
def test_date_form_field_refuses_other_text_in_persian(text: str) -> None:
    # 1405 is not a leap year: its Esfand has 29 days.
    assert errors_of(JalaliDateField(), text) == [DATE_TEXT_INVALID]


def test_optional_date_form_field_cleans_empty_to_none() -> None:
    assert JalaliDateField(required=False).clean("  ") is None


def test_date_form_field_shows_a_date_in_jalali_and_typed_text_as_typed() -> None:
    field = JalaliDateField()
    assert field.prepare_value(date(2026, 11, 25)) == "۱۴۰۵/۰۹/۰۴"
    assert field.prepare_value("1405/9/4x") == "1405/9/4x"


def test_date_form_field_takes_another_parser_and_its_message() -> None:
    def iso_only(text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError("ISO please") from None

    class IsoDateField(JalaliDateField):
        parse_text = staticmethod(iso_only)

    assert IsoDateField().clean("2026-11-25") == date(2026, 11, 25)
    assert errors_of(IsoDateField(), "1405/09/04") == ["ISO please"]


def test_date_form_field_is_typed_left_to_right_with_a_jalali_example() -> None:
    attrs = JalaliDateField().widget.attrs
    assert attrs["dir"] == "ltr"
    assert attrs["placeholder"] == "۱۴۰۵/۰۹/۰۴"
    assert "inputmode" not in attrs  # a numeric keypad has no "/"
    birth = JalaliDateField(widget=forms.TextInput(attrs={"placeholder": "۱۳۶۰/۰۵/۱۲"}))
    assert birth.widget.attrs["placeholder"] == "۱۳۶۰/۰۵/۱۲"


# JalaliMonthField (model field) -------------------------------------------------------------------


@pytest.fixture
def coverage_model() -> Iterator[type[models.Model]]:
    with isolate_apps("samt"):

        class Coverage(models.Model):
            month = JalaliMonthField()
            until = JalaliMonthField(null=True, blank=True)

            class Meta:
                app_label = "samt"

        yield Coverage


def test_instances_hold_a_jalali_month_however_it_was_given(coverage_model: type[models.Model]) -> None:
    assert coverage_model(month=140501).month == JalaliMonth(1405, 1)
    assert coverage_model(month="۱۴۰۵/۰۱").month == JalaliMonth(1405, 1)
    assert coverage_model(month=JalaliMonth(1405, 1)).month == JalaliMonth(1405, 1)
    assert coverage_model(month=140501).until is None
    instance = coverage_model(month=140501)
    instance.month = 140512
    assert instance.month == JalaliMonth(1405, 12)


def test_assigning_an_impossible_month_fails_at_once(coverage_model: type[models.Model]) -> None:
    with pytest.raises(ValidationError) as caught:
        coverage_model(month=140513)
    assert caught.value.messages == [MONTH_TEXT_INVALID]


def test_full_clean_of_fields_accepts_a_month(coverage_model: type[models.Model]) -> None:
    coverage_model(month=140501).clean_fields()


def test_it_stores_yyyymm_and_reads_a_jalali_month(coverage_model: type[models.Model]) -> None:
    field = coverage_model._meta.get_field("month")
    assert field.get_prep_value(JalaliMonth(1405, 1)) == 140501
    assert field.get_prep_value(140501) == 140501
    assert field.get_prep_value("1405/01") == 140501
    assert field.get_prep_value(None) is None
    assert field.from_db_value(140501, None, None) == JalaliMonth(1405, 1)
    assert field.from_db_value(None, None, None) is None


def test_it_refuses_to_store_an_impossible_month(coverage_model: type[models.Model]) -> None:
    field = coverage_model._meta.get_field("month")
    with pytest.raises(ValidationError):
        field.get_prep_value(140513)


def test_lookups_accept_months_ints_and_text(coverage_model: type[models.Model]) -> None:
    def params(**lookup: object) -> tuple[object, ...]:
        return coverage_model.objects.filter(**lookup).query.sql_with_params()[1]

    assert params(month=JalaliMonth(1405, 1)) == (140501,)
    assert params(month__gte=140501) == (140501,)
    assert params(month__in=[JalaliMonth(1405, 1), "1405/02"]) == (140501, 140502)
    assert params(month__range=(JalaliMonth(1404, 12), JalaliMonth(1405, 1))) == (140412, 140501)


def test_it_deconstructs_for_migrations(coverage_model: type[models.Model]) -> None:
    field = coverage_model._meta.get_field("until")
    name, path, args, kwargs = field.deconstruct()
    assert (name, path, args, kwargs) == (
        "until",
        "samt.fields.JalaliMonthField",
        [],
        {"null": True, "blank": True},
    )
    rebuilt = JalaliMonthField(*args, **kwargs)
    assert rebuilt.null and rebuilt.blank


def test_its_form_field_is_the_month_form_field(coverage_model: type[models.Model]) -> None:
    required = coverage_model._meta.get_field("month").formfield()
    optional = coverage_model._meta.get_field("until").formfield()
    assert isinstance(required, JalaliMonthFormField) and required.required
    assert isinstance(optional, JalaliMonthFormField) and not optional.required


def test_a_model_form_round_trips_a_month(coverage_model: type[models.Model]) -> None:
    form_class = forms.modelform_factory(coverage_model, fields=["month", "until"])
    form = form_class(data={"month": "۱۴۰۵/۰۱", "until": ""})
    assert form.is_valid(), form.errors
    instance = form.save(commit=False)
    assert instance.month == JalaliMonth(1405, 1)
    assert instance.until is None
    assert 'value="۱۴۰۵/۰۱"' in str(form_class(instance=instance)["month"])
