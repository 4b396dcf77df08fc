from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template

from samt.jalali import JalaliMonth
from samt.templatetags.samt_format import (
    fa_digits,
    jalali_datetime,
    jdate,
    jmonth,
    rials,
)


def render(source: str, **context: object) -> str:
    return Template("{% load samt_format %}" + source).render(Context(context))


# fa_digits -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1405, "۱۴۰۵"),
        ("09121234567", "۰۹۱۲۱۲۳۴۵۶۷"),
        ("1405/01", "۱۴۰۵/۰۱"),
        ("بدون رقم", "بدون رقم"),
        (None, "—"),
    ],
)
def test_fa_digits(value: object, shown: str) -> None:
    assert fa_digits(value) == shown


def test_fa_digits_keeps_escaping_in_templates() -> None:
    assert render("{{ v|fa_digits }}", v="<b>12</b>") == "&lt;b&gt;۱۲&lt;/b&gt;"


# rials ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234567, "۱٬۲۳۴٬۵۶۷"),
        (0, "۰"),
        (999, "۹۹۹"),
        (1000, "۱٬۰۰۰"),
        (38792950, "۳۸٬۷۹۲٬۹۵۰"),
        (-1500, "-۱٬۵۰۰"),
        (Decimal(2500), "۲٬۵۰۰"),
        (Decimal("2500.00"), "۲٬۵۰۰"),
        (None, "—"),
    ],
)
def test_rials(value: object, shown: str) -> None:
    assert rials(value) == shown


def test_rials_uses_the_arabic_thousands_separator() -> None:
    assert rials(1000)[1] == "\u066c"


@pytest.mark.parametrize("value", [Decimal("2.5"), 2.5, "1000", True, Decimal("NaN")])
def test_rials_leaves_anything_but_whole_rials_visible_as_it_is(value: object) -> None:
    assert rials(value) is value


# jdate / jdatetime ---------------------------------------------------------------------------------


def test_jdate_of_a_date() -> None:
    assert jdate(date(2024, 3, 20)) == "۱۴۰۳/۰۱/۰۱"
    assert jdate(date(2026, 3, 20)) == "۱۴۰۴/۱۲/۲۹"
    assert jdate(date(2025, 12, 25)) == "۱۴۰۴/۱۰/۰۴"


def test_jdate_of_an_aware_datetime_is_the_day_in_tehran() -> None:
    assert jdate(datetime(2026, 3, 20, 21, 0, tzinfo=UTC)) == "۱۴۰۵/۰۱/۰۱"
    assert jdate(datetime(2026, 3, 20, 20, 0, tzinfo=UTC)) == "۱۴۰۴/۱۲/۲۹"


def test_jdatetime_shows_tehran_time() -> None:
    assert jalali_datetime(datetime(2026, 3, 21, 10, 35, tzinfo=UTC)) == "۱۴۰۵/۰۱/۰۱ ساعت ۱۴:۰۵"
    assert jalali_datetime(datetime(2026, 3, 20, 20, 29, tzinfo=UTC)) == "۱۴۰۴/۱۲/۲۹ ساعت ۲۳:۵۹"


def test_jdatetime_of_a_plain_date_shows_the_date() -> None:
    assert jalali_datetime(date(2024, 3, 20)) == "۱۴۰۳/۰۱/۰۱"


@pytest.mark.parametrize("empty", [jdate, jalali_datetime])
def test_date_filters_show_a_dash_for_none(empty: object) -> None:
    assert empty(None) == "—"  # type: ignore[operator]


def test_date_filters_leave_other_values_as_they_are() -> None:
    assert jdate("2024-03-20") == "2024-03-20"
    assert jalali_datetime("2024-03-20") == "2024-03-20"


# jmonth --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (JalaliMonth(1405, 1), "فروردین ۱۴۰۵"),
        (140512, "اسفند ۱۴۰۵"),
        (JalaliMonth(1404, 7), "مهر ۱۴۰۴"),
        (None, "—"),
        (140513, 140513),
        ("1405/01", "1405/01"),
    ],
)
def test_jmonth(value: object, shown: object) -> None:
    assert jmonth(value) == shown


# In templates --------------------------------------------------------------------------------------


def test_filters_render_in_templates() -> None:
    html = render(
        "{{ amount|rials }} | {{ day|jdate }} | {{ moment|jdatetime }} | {{ month|jmonth }} | {{ n|fa_digits }}",
        amount=1234567,
        day=date(2026, 3, 21),
        moment=datetime(2026, 3, 21, 10, 35, tzinfo=UTC),
        month=JalaliMonth(1405, 1),
        n=12,
    )
    assert html == "۱٬۲۳۴٬۵۶۷ | ۱۴۰۵/۰۱/۰۱ | ۱۴۰۵/۰۱/۰۱ ساعت ۱۴:۰۵ | فروردین ۱۴۰۵ | ۱۲"


def test_a_phone_number_reads_left_to_right_with_persian_digits_on_a_page_and_in_a_pdf():
    assert render("{{ p|ltr_num }}", p="021-88700000") == '<bdi dir="ltr">۰۲۱-۸۸۷۰۰۰۰۰</bdi>'
    # WeasyPrint ignores unicode-bidi and inline direction: the isolates go into the text itself.
    assert render('{{ p|ltr_num:"pdf" }}', p="021-88700000") == "\u2066۰۲۱-۸۸۷۰۰۰۰۰\u2069"


def test_a_case_sensitive_reference_keeps_its_latin_digits_and_letters():
    assert render("{{ r|ref }}", r="GmQ7x-0042") == '<bdi dir="ltr" class="ref">GmQ7x-0042</bdi>'
    assert render('{{ r|ref:"pdf" }}', r="GmQ7x-0042") == "\u2066GmQ7x-0042\u2069"
    assert render("{{ r|ref }}", r=None) == "—"


def test_identifiers_inside_persian_text_are_isolated_and_the_rest_escaped():
    html = render("{{ s|ltr_runs }}", s="مراجعه 1b56ab09 — <b>کارگزاری</b>")
    b = '<bdi dir="ltr">b</bdi>'
    assert html == f'مراجعه <bdi dir="ltr">1b56ab09</bdi> — &lt;{b}&gt;کارگزاری&lt;/{b}&gt;'
