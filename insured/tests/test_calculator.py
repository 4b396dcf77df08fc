"""The public premium calculator: amounts to the rial against hand computation from domain.md §1–2, Persian
input, and a Persian message for every refusal. Nobody logs in and nothing is written."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insured import forms
from insured.models import TreatmentFee, WageTable
from samt.jalali import JalaliMonth

pytestmark = pytest.mark.django_db

URL = "/calculator/"


def ask(client, *, rate="01", ratio="1", wage="", treatment=False, dependants="0",
        start=(1405, 1), end=(1405, 1)) -> str:
    params = {
        "rate_code": rate, "basis": forms.BY_MONTHLY_WAGE if wage else forms.BY_RATIO, "ratio": ratio,
        "monthly_wage": wage, "dependants": dependants,
        "start_month": start[1], "start_year": start[0], "end_month": end[1], "end_year": end[0],
    }
    if treatment:
        params["treatment"] = "on"
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    """The page's words as a person reads them: tags dropped, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def line_cells(html: str) -> list[list[str]]:
    rows = re.findall(r'<tr class="calc-line".*?</tr>', html, re.S)
    return [[text_of(cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)] for row in rows]


def test_anyone_can_open_it_and_sees_how_premiums_are_computed(client):
    html = client.get(URL).content.decode()
    assert "محاسبه حق بیمه" in html
    assert "چگونه حساب می‌شود؟" in html
    assert 'name="start_month"' in html and 'name="end_year"' in html


def test_the_home_page_and_the_header_link_to_it(client):
    html = client.get("/").content.decode()
    assert html.count(f'href="{URL}"') == 2


def test_farvardin_1405_at_the_minimum_wage_on_rate_01(client):
    # 5,541,850 × 31 × 12 % = 20,615,682 (domain.md §2, the 1405 minimum).
    html = ask(client, start=(1405, 1), end=(1405, 1))
    assert line_cells(html) == [
        ["۱۴۰۵", "فروردین ۱۴۰۵", "۳۱", "۵٬۵۴۱٬۸۵۰", "۱۲٪", "۲۰٬۶۱۵٬۶۸۲", "۰", "۰", "۲۰٬۶۱۵٬۶۸۲"],
    ]
    words = text_of(html)
    assert "۱ × حداقل دستمزد روزانه ۵٬۵۴۱٬۸۵۰ = ۵٬۵۴۱٬۸۵۰ ریال" in words
    assert "۵٬۵۴۱٬۸۵۰ × ۳۱ روز × ۱۲٪ = ۲۰٬۶۱۵٬۶۸۲ ریال" in words


def test_thirty_day_months_cost_less_and_the_total_adds_the_lines(client):
    # Shahrivar 31 days: 20,615,682; Mehr and Aban 30 days: 5,541,850 × 30 × 12 % = 19,950,660 each.
    html = ask(client, start=(1405, 6), end=(1405, 8))
    assert [row[5] for row in line_cells(html)] == ["۲۰٬۶۱۵٬۶۸۲", "۱۹٬۹۵۰٬۶۶۰", "۱۹٬۹۵۰٬۶۶۰"]
    assert re.search(r'data-testid="total">۶۰٬۵۱۷٬۰۰۲<', html)
    assert "حق بیمه شهریور ۱۴۰۵ تا آبان ۱۴۰۵" in text_of(html)


def test_a_ratio_typed_in_persian_with_treatment_for_three_persons(client):
    # 1403, rate 02: base 1.35 × 2,388,728 = 3,224,782.8 rials a day.
    # Shahrivar: 3,224,782.8 × 31 × 14 % = 13,995,557.352 → 13,995,557; per-capita 1,615,000 × 3 = 4,845,000.
    # Mehr: 3,224,782.8 × 30 × 14 % = 13,544,087.76 → 13,544,088.
    html = ask(client, rate="02", ratio="۱٫۳۵", treatment=True, dependants="۲", start=(1403, 6), end=(1403, 7))
    assert line_cells(html) == [
        ["۱۴۰۳", "شهریور ۱۴۰۳", "۳۱", "۳٬۲۲۴٬۷۸۳", "۱۴٪", "۱۳٬۹۹۵٬۵۵۷", "۱٬۶۱۵٬۰۰۰", "۳", "۱۸٬۸۴۰٬۵۵۷"],
        ["۱۴۰۳", "مهر ۱۴۰۳", "۳۰", "۳٬۲۲۴٬۷۸۳", "۱۴٪", "۱۳٬۵۴۴٬۰۸۸", "۱٬۶۱۵٬۰۰۰", "۳", "۱۸٬۳۸۹٬۰۸۸"],
    ]
    words = text_of(html)
    assert "۱٫۳۵ × حداقل دستمزد روزانه ۲٬۳۸۸٬۷۲۸ = ۳٬۲۲۴٬۷۸۲٫۸ ریال" in words
    assert "۳٬۲۲۴٬۷۸۲٫۸ × ۳۱ روز × ۱۴٪ = ۱۳٬۹۹۵٬۵۵۷٫۳۵۲ ریال، با گرد کردن به ریال: ۱۳٬۹۹۵٬۵۵۷ ریال" in words
    assert "سرانه ۱٬۶۱۵٬۰۰۰ × ۳ نفر = ۴٬۸۴۵٬۰۰۰ ریال" in words
    assert "۱۳٬۹۹۵٬۵۵۷ + ۴٬۸۴۵٬۰۰۰ = ۱۸٬۸۴۰٬۵۵۷ ریال" in words
    assert "با پوشش درمان برای ۳ نفر (خودتان و ۲ نفر تحت تکفل)" in words
    assert re.search(r'data-testid="premium-total">۲۷٬۵۳۹٬۶۴۵<', html)
    assert re.search(r'data-testid="treatment-total">۹٬۶۹۰٬۰۰۰<', html)
    assert re.search(r'data-testid="total">۳۷٬۲۲۹٬۶۴۵<', html)


def test_the_1399_minimum_wage_changes_in_tir_and_a_slash_is_a_decimal_point(client):
    # Voluntary 27 %, ratio 2.5: Khordad 611,809 × 2.5 × 31 × 27 % = 12,802,103.325 → 12,802,103;
    # Tir 636,809 × 2.5 × 31 × 27 % = 13,325,228.325 → 13,325,228.
    html = ask(client, rate="VOL", ratio="2/5", start=(1399, 3), end=(1399, 4))
    cells = line_cells(html)
    assert [(row[3], row[5]) for row in cells] == [("۱٬۵۲۹٬۵۲۳", "۱۲٬۸۰۲٬۱۰۳"), ("۱٬۵۹۲٬۰۲۳", "۱۳٬۳۲۵٬۲۲۸")]
    assert {row[4] for row in cells} == {"۲۷٪"}


def test_at_seven_times_the_minimum_the_ceiling_is_named(client):
    # Esfand 1404 has 29 days (1404 is not a leap year): 24,245,592 × 29 × 18 % = 126,561,990.24 → 126,561,990.
    html = ask(client, rate="03", ratio="7", start=(1404, 12), end=(1404, 12))
    [row] = line_cells(html)
    assert row[2:6] == ["۲۹", "۲۴٬۲۴۵٬۵۹۲ سقف", "۱۸٪", "۱۲۶٬۵۶۱٬۹۹۰"]
    words = text_of(html)
    assert "۷ × حداقل دستمزد روزانه ۳٬۴۶۳٬۶۵۶ = ۲۴٬۲۴۵٬۵۹۲ ریال، برابر سقف دستمزد روزانه" in words
    assert "۲۴٬۲۴۵٬۵۹۲ × ۲۹ روز × ۱۸٪ = ۱۲۶٬۵۶۱٬۹۹۰٫۲۴ ریال، با گرد کردن به ریال: ۱۲۶٬۵۶۱٬۹۹۰ ریال" in words


def test_a_ceiling_below_seven_times_the_minimum_caps_the_base_and_says_so(client):
    # Should HQ enter a lower ceiling, 7 × 5,541,850 = 38,792,950 gives way to it: 30,000,000 × 31 × 12 %.
    WageTable.objects.filter(effective_from=JalaliMonth(1405, 1)).update(ceiling_daily=30_000_000)
    html = ask(client, ratio="7", start=(1405, 1), end=(1405, 1))
    [row] = line_cells(html)
    assert row[3:6] == ["۳۰٬۰۰۰٬۰۰۰ سقف", "۱۲٪", "۱۱۱٬۶۰۰٬۰۰۰"]
    assert ("۷ × حداقل دستمزد روزانه ۵٬۵۴۱٬۸۵۰ = ۳۸٬۷۹۲٬۹۵۰ ریال، که از سقف دستمزد روزانه بیشتر است؛ "
            "سقف ۳۰٬۰۰۰٬۰۰۰ ریال ملاک است") in text_of(html)
    assert "۳۰٬۰۰۰٬۰۰۰ × ۳۱ روز × ۱۲٪ = ۱۱۱٬۶۰۰٬۰۰۰ ریال" in text_of(html)


def test_a_monthly_wage_becomes_a_ratio_against_the_minimum_of_the_first_month(client):
    # 200,000,000 ÷ (5,541,850 × 30 = 166,255,500) = 1.2030 → 1.20; Azar 1405 (30 days):
    # 1.20 × 5,541,850 = 6,650,220 × 30 × 12 % = 23,940,792.
    html = ask(client, wage="۲۰۰٬۰۰۰٬۰۰۰", start=(1405, 9), end=(1405, 9))
    [row] = line_cells(html)
    assert row[3] == "۶٬۶۵۰٬۲۲۰" and row[5] == "۲۳٬۹۴۰٬۷۹۲"
    assert re.search(r'data-testid="ratio">۱٫۲<', html)
    words = text_of(html)
    assert ("دستمزد ماهانه ۲۰۰٬۰۰۰٬۰۰۰ ریال ÷ حداقل دستمزد ماهانه آذر ۱۴۰۵ (۵٬۵۴۱٬۸۵۰ × ۳۰ روز = "
            "۱۶۶٬۲۵۵٬۵۰۰ ریال) ≈ ۱٫۲") in words
    assert 'data-testid="ratio-adjusted"' not in html


@pytest.mark.parametrize(("wage", "ratio", "premium", "why"), [
    ("100,000,000", "۱", "۱۹٬۹۵۰٬۶۶۰", "کمتر است؛ حق بیمه با حداقل دستمزد (نسبت ۱) حساب شد"),
    ("2000000000", "۷", "۱۳۹٬۶۵۴٬۶۲۰", "(۱٬۱۶۳٬۷۸۸٬۵۰۰ ریال، هفت برابر حداقل) بیشتر است"),
])
def test_a_monthly_wage_outside_one_to_seven_times_the_minimum_is_moved_to_the_bound(client, wage, ratio, premium,
                                                                                     why):
    # The 1405 ceiling: 38,792,950 × 30 × 12 % = 139,654,620.
    html = ask(client, wage=wage, start=(1405, 9), end=(1405, 9))
    assert re.search(rf'data-testid="ratio">{ratio}<', html)
    assert line_cells(html)[0][5] == premium
    assert why in text_of(html)


def test_treatment_in_a_year_without_a_per_capita_figure_is_refused_with_the_reason(client):
    assert not TreatmentFee.objects.filter(year=1405).exists()
    html = ask(client, treatment=True, start=(1405, 1), end=(1405, 2))
    words = text_of(html)
    assert "سرانه درمان سال ۱۴۰۵ هنوز ثبت نشده است" in words
    assert "گزینه «با پوشش درمان» را بردارید" in words
    assert not line_cells(html)


def test_a_year_without_a_minimum_wage_is_refused_with_the_reason(client):
    WageTable.objects.filter(effective_from=JalaliMonth(1405, 1)).delete()
    words = text_of(ask(client, start=(1405, 1), end=(1405, 1)))
    assert "حداقل دستمزد سال ۱۴۰۵ هنوز در سامانه ثبت نشده است" in words


@pytest.mark.parametrize(("changes", "message"), [
    ({"ratio": "8"}, forms.RATIO_OUT_OF_RANGE),
    ({"ratio": "۰٫۵"}, forms.RATIO_OUT_OF_RANGE),
    ({"ratio": "1.234"}, forms.RATIO_INVALID),
    ({"ratio": "یک"}, forms.RATIO_INVALID),
    ({"ratio": ""}, forms.RATIO_REQUIRED),
    ({"wage": "12.5"}, forms.WAGE_INVALID),
    ({"wage": "۰"}, forms.WAGE_INVALID),
    ({"dependants": "-1"}, forms.DEPENDANTS_INVALID),
    ({"start": (1405, 5), "end": (1405, 4)}, forms.PERIOD_REVERSED),
    ({"start": (1403, 1), "end": (1404, 1)}, forms.PERIOD_TOO_LONG),
    ({"start": (1397, 1)}, forms.MONTH_REQUIRED),
])
def test_bad_input_gets_a_persian_message_and_no_lines(client, changes, message):
    html = ask(client, **changes)
    assert message in text_of(html)
    assert "برخی مشخصات درست نیست" in html
    assert 'aria-invalid="true"' in html
    assert not line_cells(html)


def test_twelve_months_are_allowed_across_a_new_year(client):
    html = ask(client, start=(1403, 7), end=(1404, 6))
    assert len(line_cells(html)) == 12


def test_a_monthly_wage_left_empty_when_chosen_is_asked_for(client):
    response = client.get(URL, {"rate_code": "01", "basis": forms.BY_MONTHLY_WAGE, "monthly_wage": "",
                                "start_month": 1, "start_year": 1405, "end_month": 1, "end_year": 1405})
    assert forms.WAGE_REQUIRED in response.content.decode()


def test_it_only_reads(client):
    with CaptureQueriesContext(connection) as queries:
        ask(client, rate="02", ratio="2", treatment=True, dependants="1", start=(1404, 1), end=(1404, 12))
    assert queries.captured_queries
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries.captured_queries)


def test_it_refuses_a_post(client):
    assert client.post(URL, {}).status_code == 405


@pytest.mark.parametrize(("text", "hundredths"), [
    ("1", 100), ("۱٫۳۵", 135), ("1.5", 150), ("٢/٠٥", 205), ("7.00", 700), (" 3٫ ", 300),
])
def test_ratio_spellings(text, hundredths):
    assert forms.parse_ratio(text) == hundredths


@pytest.mark.parametrize(("text", "rials"), [
    ("۲۰۰٬۰۰۰٬۰۰۰", 200_000_000), ("200,000,000", 200_000_000), ("١٥٠ ٠٠٠ ٠٠٠", 150_000_000), ("99،000", 99_000),
])
def test_wage_spellings(text, rials):
    assert forms.parse_rials(text) == rials


def test_voluntary_insurance_takes_no_separate_treatment_fee(client):
    html = ask(client, rate="VOL", treatment=True, start=(1404, 1), end=(1404, 1))
    assert "نرخ ۲۷٪ بیمه اختیاری درمان را هم دربر دارد" in html
    assert "۲٬۳۵۸٬۰۰۰" not in html  # no per-capita line was computed
