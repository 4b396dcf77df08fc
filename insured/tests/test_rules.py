"""The premium arithmetic and period rules of domain.md §2–4: properties with hypothesis, and the published
figures of every year 1398–1405 checked against numbers worked out by hand."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from insured import ledger, rules
from samt.errors import DomainError
from samt.jalali import JalaliMonth, is_leap_year

ratios = st.integers(rules.MIN_RATIO, rules.MAX_RATIO)
rates = st.integers(1, rules.RATE_BASIS)
months = st.builds(JalaliMonth, st.integers(1300, 1500), st.integers(1, 12))


@st.composite
def wages(draw: st.DrawFn) -> rules.WageInForce:
    # Any ceiling at or above the minimum: HQ may one day publish one that is not exactly 7×.
    minimum = draw(st.integers(1, 100_000_000))
    return rules.WageInForce(min_daily=minimum, ceiling_daily=draw(st.integers(minimum, 10 * minimum)))


def decimal_premium(month: JalaliMonth, ratio: int, rate_bp: int, wage: rules.WageInForce) -> int:
    """domain.md §2 read literally: Decimal arithmetic, one ROUND_HALF_UP to whole rials per line."""
    with localcontext() as context:
        context.prec = 60
        base = min(Decimal(ratio) / 100 * wage.min_daily, Decimal(wage.ceiling_daily))
        amount = base * month.days * (Decimal(rate_bp) / 10_000)
        return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# Month lines ------------------------------------------------------------------------------------------


@given(months, ratios, rates, wages())
def test_a_month_premium_equals_decimal_arithmetic_rounded_half_up_once(month, ratio, rate_bp, wage):
    assert rules.month_premium(month, ratio_hundredths=ratio, rate_bp=rate_bp, wage=wage) == decimal_premium(
        month, ratio, rate_bp, wage
    )


@given(st.integers(0, 10**15), st.integers(1, 10**9))
def test_divide_half_up_rounds_exact_halves_up(numerator, denominator):
    with localcontext() as context:
        context.prec = 60
        expected = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert rules.divide_half_up(numerator, denominator) == int(expected)


@given(months, ratios, rates, wages())
def test_the_wage_base_never_passes_the_ceiling(month, ratio, rate_bp, wage):
    line = rules.month_line(month, ratio_hundredths=ratio, rate_bp=rate_bp, wage=wage)
    assert line.daily_wage_base <= wage.ceiling_daily
    assert line.capped == (ratio * wage.min_daily >= wage.ceiling_daily * 100)
    if line.capped:
        assert line.daily_wage_base == wage.ceiling_daily


@given(months, ratios, ratios, rates, wages())
def test_the_premium_grows_with_the_ratio(month, low, high, rate_bp, wage):
    low, high = sorted((low, high))
    premium = rules.month_premium
    assert premium(month, ratio_hundredths=low, rate_bp=rate_bp, wage=wage) <= premium(
        month, ratio_hundredths=high, rate_bp=rate_bp, wage=wage
    )


@given(months, ratios, rates, wages(), st.integers(0, 5_000_000), st.integers(0, 12))
def test_a_line_is_the_premium_plus_per_capita_times_persons(month, ratio, rate_bp, wage, per_capita, persons):
    line = rules.month_line(month, ratio_hundredths=ratio, rate_bp=rate_bp, wage=wage, per_capita=per_capita,
                            persons=persons)
    assert line.treatment == per_capita * persons
    assert line.amount == line.premium + per_capita * persons
    assert rules.lines_total([line, line]) == 2 * line.amount


@given(st.integers(1300, 1500), st.integers(1, 12))
def test_months_have_31_30_and_29_or_30_days(year, month):
    days = rules.month_line(JalaliMonth(year, month), ratio_hundredths=100, rate_bp=1200,
                            wage=rules.WageInForce(1, 7)).days
    if month <= 6:
        assert days == 31
    elif month <= 11:
        assert days == 30
    else:
        assert days == (30 if is_leap_year(year) else 29)


def test_esfand_has_30_days_in_the_leap_years_of_1395_to_1410():
    assert [year for year in range(1395, 1411) if JalaliMonth.esfand(year).days == 30] == [1395, 1399, 1403, 1408]


# Period -----------------------------------------------------------------------------------------------


@given(months, st.none() | months)
def test_the_first_unpaid_month_follows_the_last_paid_one(first, last_paid):
    unpaid = rules.first_unpaid_month(first, last_paid)
    if last_paid is None or last_paid < first:
        assert unpaid == first
    else:
        assert unpaid == last_paid.next()
    assert unpaid >= first


@given(months, st.integers(-24, 24), st.booleans())
def test_a_contract_lapses_after_three_months_or_four_once_extended(first_unpaid, gap, extended):
    allowed = 4 if extended else 3
    assert rules.is_lapsed(first_unpaid, first_unpaid + gap, extended=extended) == (gap > allowed)


def test_lapse_boundaries():
    first_unpaid = JalaliMonth(1404, 8)
    assert not rules.is_lapsed(first_unpaid, JalaliMonth(1404, 11), extended=False)
    assert rules.is_lapsed(first_unpaid, JalaliMonth(1404, 12), extended=False)
    assert not rules.is_lapsed(first_unpaid, JalaliMonth(1404, 12), extended=True)
    assert rules.is_lapsed(first_unpaid, JalaliMonth(1405, 1), extended=True)


@given(months, st.integers(-30, 30))
def test_the_latest_end_month_is_never_past_esfand_nor_more_than_twelve_months(first_unpaid, offset):
    current = first_unpaid + offset
    latest = rules.latest_end_month(first_unpaid, current)
    assert latest <= JalaliMonth.esfand(current.year)
    assert latest - first_unpaid + 1 <= rules.MAX_MONTHS_PER_SLIP
    assert latest in (JalaliMonth.esfand(current.year), first_unpaid + 11)


@given(months, st.integers(0, 14), st.integers(0, 14))
def test_a_valid_period_is_every_month_from_the_first_unpaid_to_the_end(first_unpaid, length, back):
    current = first_unpaid + length - back
    end = first_unpaid + length
    assume(end <= JalaliMonth.esfand(current.year) and length < 12)
    covered = rules.check_period(first_unpaid, end, current)
    assert covered == first_unpaid.through(end)
    assert len(covered) == length + 1


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(DomainError, match="ماه پایان نمی‌تواند پیش از نخستین ماه پرداخت‌نشده"):
        rules.check_period(JalaliMonth(1405, 3), JalaliMonth(1405, 2), JalaliMonth(1405, 3))


def test_a_period_past_esfand_of_the_current_year_is_refused():
    with pytest.raises(DomainError, match="برگ پرداخت فقط تا پایان سال جاری صادر می‌شود؛ آخرین ماه ممکن اسفند ۱۴۰۵"):
        rules.check_period(JalaliMonth(1405, 3), JalaliMonth(1406, 1), JalaliMonth(1405, 3))


def test_a_period_of_more_than_twelve_months_is_refused():
    with pytest.raises(DomainError, match="حداکثر ۱۲ ماه"):
        rules.check_period(JalaliMonth(1404, 11), JalaliMonth(1405, 11), JalaliMonth(1405, 1))


def test_a_person_paid_up_to_esfand_is_told_when_next_year_opens():
    with pytest.raises(DomainError, match="برگ ماه‌های سال بعد از فروردین ۱۴۰۶ صادر می‌شود"):
        rules.check_period(JalaliMonth(1406, 1), JalaliMonth(1406, 1), JalaliMonth(1405, 10))


def test_a_lapsed_contract_is_refused_with_the_branch_named():
    with pytest.raises(DomainError, match=r"بیش از ۳ ماه گذشته است.*به شعبه ۴ مراجعه کنید"):
        rules.check_not_lapsed(JalaliMonth(1405, 1), JalaliMonth(1405, 5), extended=False, branch="شعبه ۴")
    with pytest.raises(DomainError, match="بیش از ۴ ماه"):
        rules.check_not_lapsed(JalaliMonth(1405, 1), JalaliMonth(1405, 6), extended=True, branch="شعبه ۴")
    rules.check_not_lapsed(JalaliMonth(1405, 1), JalaliMonth(1405, 5), extended=True, branch="شعبه ۴")


def test_a_statement_that_could_not_be_computed_sends_the_person_to_the_branch():
    with pytest.raises(DomainError, match=r"گردش حساب سال ۱۴۰۴ شما محاسبه نشد.*به شعبه ۴ مراجعه کنید"):
        rules.check_statement_gate(year=1404, status=None, branch="شعبه ۴")


def test_a_statement_waiting_for_the_year_end_run_sends_nobody_to_the_branch():
    with pytest.raises(DomainError, match="در اجرای پایان سال صادر می‌شود") as refusal:
        rules.check_statement_gate(year=1404, status=rules.STATEMENT_COMPUTED, branch="شعبه ۴")
    assert "شعبه ۴" not in refusal.value.message
    assert "نیازی به مراجعه به شعبه نیست" in refusal.value.message


def test_a_debt_with_its_debt_slip_is_paid_here_not_at_the_branch():
    with pytest.raises(DomainError, match="همین‌جا با کارت بپردازید") as refusal:
        rules.check_statement_gate(year=1404, status=rules.STATEMENT_ISSUED, branch="شعبه ۴", open_debt_slip=True)
    assert "شعبه ۴" not in refusal.value.message


def test_a_debt_without_an_open_debt_slip_sends_the_person_to_the_branch():
    with pytest.raises(DomainError, match=r"بدهی پرداخت‌نشده دارد.*به شعبه ۴ مراجعه کنید"):
        rules.check_statement_gate(year=1404, status=rules.STATEMENT_ISSUED, branch="شعبه ۴")


@pytest.mark.parametrize("year", [1405, 1406])
def test_the_current_year_and_later_are_not_closed(year):
    with pytest.raises(DomainError, match="تا پایان آن سال محاسبه و صادر نمی‌شود"):
        rules.check_year_closed(year, JalaliMonth(1405, 12))


def test_last_year_is_closed_from_farvardin():
    rules.check_year_closed(1404, JalaliMonth(1405, 1))


@pytest.mark.parametrize(("first", "lapsed"), [((1405, 5), True), ((1398, 1), True), ((1405, 6), False),
                                               ((1405, 7), False)])
def test_a_first_month_lapsed_on_the_day_of_registration_is_refused(first, lapsed):
    current = JalaliMonth(1405, 9)
    if lapsed:
        with pytest.raises(DomainError, match="نخستین ماه را شهریور ۱۴۰۵ یا پس از آن انتخاب کنید"):
            rules.check_first_month_not_lapsed(JalaliMonth(*first), current)
    else:
        rules.check_first_month_not_lapsed(JalaliMonth(*first), current)


def test_the_gate_opens_once_the_statement_is_settled():
    rules.check_statement_gate(year=1404, status=rules.STATEMENT_SETTLED, branch="شعبه ۴")


# The published figures, worked out by hand -----------------------------------------------------------
#
# For each month: (month, wage ratio in hundredths, days, daily wage base, premiums at 12 %, 14 %, 18 %, 27 %),
# every premium = base × days × rate rounded half up, with the minimum daily wage of domain.md §2. A ratio of
# 7.00 is the ceiling (7 × minimum) in every year. E.g. 1405 Farvardin: 5,541,850 × 31 × 0.12 = 20,615,682;
# 1401 Esfand at 27 %: 1,393,250 × 29 × 0.27 = 10,909,147.5 → 10,909,148. 1399 changed at Tir (611,809 until
# Khordad, 636,809 from Tir); 1399 and 1403 are leap years (Esfand has 30 days).

RATE_CODES = ("01", "02", "03", "VOL")

HAND_COMPUTED = [
    (139801, 100, 31, 505_627, (1_880_932, 2_194_421, 2_821_399, 4_232_098)),
    (139801, 700, 31, 3_539_389, (13_166_527, 15_360_948, 19_749_791, 29_624_686)),
    (139807, 100, 30, 505_627, (1_820_257, 2_123_633, 2_730_386, 4_095_579)),
    (139807, 700, 30, 3_539_389, (12_741_800, 14_865_434, 19_112_701, 28_669_051)),
    (139812, 100, 29, 505_627, (1_759_582, 2_052_846, 2_639_373, 3_959_059)),
    (139812, 700, 29, 3_539_389, (12_317_074, 14_369_919, 18_475_611, 27_713_416)),
    (139901, 100, 31, 611_809, (2_275_929, 2_655_251, 3_413_894, 5_120_841)),
    (139901, 700, 31, 4_282_663, (15_931_506, 18_586_757, 23_897_260, 35_845_889)),
    (139903, 100, 31, 611_809, (2_275_929, 2_655_251, 3_413_894, 5_120_841)),
    (139903, 700, 31, 4_282_663, (15_931_506, 18_586_757, 23_897_260, 35_845_889)),
    (139904, 100, 31, 636_809, (2_368_929, 2_763_751, 3_553_394, 5_330_091)),
    (139904, 700, 31, 4_457_663, (16_582_506, 19_346_257, 24_873_760, 37_310_639)),
    (139907, 100, 30, 636_809, (2_292_512, 2_674_598, 3_438_769, 5_158_153)),
    (139907, 700, 30, 4_457_663, (16_047_587, 18_722_185, 24_071_380, 36_107_070)),
    (139912, 100, 30, 636_809, (2_292_512, 2_674_598, 3_438_769, 5_158_153)),
    (139912, 700, 30, 4_457_663, (16_047_587, 18_722_185, 24_071_380, 36_107_070)),
    (140001, 100, 31, 885_165, (3_292_814, 3_841_616, 4_939_221, 7_408_831)),
    (140001, 700, 31, 6_196_155, (23_049_697, 26_891_313, 34_574_545, 51_861_817)),
    (140007, 100, 30, 885_165, (3_186_594, 3_717_693, 4_779_891, 7_169_837)),
    (140007, 700, 30, 6_196_155, (22_306_158, 26_023_851, 33_459_237, 50_188_856)),
    (140012, 100, 29, 885_165, (3_080_374, 3_593_770, 4_620_561, 6_930_842)),
    (140012, 700, 29, 6_196_155, (21_562_619, 25_156_389, 32_343_929, 48_515_894)),
    (140101, 100, 31, 1_393_250, (5_182_890, 6_046_705, 7_774_335, 11_661_503)),
    (140101, 700, 31, 9_752_750, (36_280_230, 42_326_935, 54_420_345, 81_630_518)),
    (140107, 100, 30, 1_393_250, (5_015_700, 5_851_650, 7_523_550, 11_285_325)),
    (140107, 700, 30, 9_752_750, (35_109_900, 40_961_550, 52_664_850, 78_997_275)),
    (140112, 100, 29, 1_393_250, (4_848_510, 5_656_595, 7_272_765, 10_909_148)),
    (140112, 700, 29, 9_752_750, (33_939_570, 39_596_165, 50_909_355, 76_364_033)),
    (140201, 100, 31, 1_769_428, (6_582_272, 7_679_318, 9_873_408, 14_810_112)),
    (140201, 700, 31, 12_385_996, (46_075_905, 53_755_223, 69_113_858, 103_670_787)),
    (140207, 100, 30, 1_769_428, (6_369_941, 7_431_598, 9_554_911, 14_332_367)),
    (140207, 700, 30, 12_385_996, (44_589_586, 52_021_183, 66_884_378, 100_326_568)),
    (140212, 100, 29, 1_769_428, (6_157_609, 7_183_878, 9_236_414, 13_854_621)),
    (140212, 700, 29, 12_385_996, (43_103_266, 50_287_144, 64_654_899, 96_982_349)),
    (140301, 100, 31, 2_388_728, (8_886_068, 10_367_080, 13_329_102, 19_993_653)),
    (140301, 700, 31, 16_721_096, (62_202_477, 72_569_557, 93_303_716, 139_955_574)),
    (140307, 100, 30, 2_388_728, (8_599_421, 10_032_658, 12_899_131, 19_348_697)),
    (140307, 700, 30, 16_721_096, (60_195_946, 70_228_603, 90_293_918, 135_440_878)),
    (140312, 100, 30, 2_388_728, (8_599_421, 10_032_658, 12_899_131, 19_348_697)),
    (140312, 700, 30, 16_721_096, (60_195_946, 70_228_603, 90_293_918, 135_440_878)),
    (140401, 100, 31, 3_463_656, (12_884_800, 15_032_267, 19_327_200, 28_990_801)),
    (140401, 700, 31, 24_245_592, (90_193_602, 105_225_869, 135_290_403, 202_935_605)),
    (140407, 100, 30, 3_463_656, (12_469_162, 14_547_355, 18_703_742, 28_055_614)),
    (140407, 700, 30, 24_245_592, (87_284_131, 101_831_486, 130_926_197, 196_389_295)),
    (140412, 100, 29, 3_463_656, (12_053_523, 14_062_443, 18_080_284, 27_120_426)),
    (140412, 700, 29, 24_245_592, (84_374_660, 98_437_104, 126_561_990, 189_842_985)),
    (140501, 100, 31, 5_541_850, (20_615_682, 24_051_629, 30_923_523, 46_385_285)),
    (140501, 700, 31, 38_792_950, (144_309_774, 168_361_403, 216_464_661, 324_696_992)),
    (140507, 100, 30, 5_541_850, (19_950_660, 23_275_770, 29_925_990, 44_888_985)),
    (140507, 700, 30, 38_792_950, (139_654_620, 162_930_390, 209_481_930, 314_222_895)),
    (140512, 100, 29, 5_541_850, (19_285_638, 22_499_911, 28_928_457, 43_392_686)),
    (140512, 700, 29, 38_792_950, (134_999_466, 157_499_377, 202_499_199, 303_748_799)),
]

TABLE_CASES = [
    pytest.param(month, ratio, days, base, code, premium, id=f"{month}-{ratio}-{code}")
    for month, ratio, days, base, premiums in HAND_COMPUTED
    for code, premium in zip(RATE_CODES, premiums, strict=True)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("month", "ratio", "days", "base", "code", "premium"), TABLE_CASES)
def test_the_published_rates_give_the_hand_computed_premium(month, ratio, days, base, code, premium):
    [line] = ledger.lines_for(months=[JalaliMonth.from_int(month)], rate_code=code, ratio_hundredths=ratio, persons=0)
    assert (line.days, line.daily_wage_base, line.premium, line.amount) == (days, base, premium, premium)
    assert line.capped == (ratio == 700)


@pytest.mark.django_db
def test_every_month_of_every_served_year_has_its_own_wage_row():
    for month in JalaliMonth(1398, 1).through(JalaliMonth(1405, 12)):
        assert ledger.lines_for(months=[month], rate_code="01", ratio_hundredths=100, persons=0)[0].premium > 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("month", "persons", "per_capita", "premium"),
    [
        (140312, 3, 1_615_000, 8_599_421),  # 3 × 1,615,000 = 4,845,000
        (140412, 1, 2_358_000, 12_053_523),
        (140412, 4, 2_358_000, 12_053_523),  # 4 × 2,358,000 = 9,432,000
        (140007, 2, 716_000, 3_186_594),
    ],
)
def test_treatment_adds_the_years_per_capita_for_each_person(month, persons, per_capita, premium):
    [line] = ledger.lines_for(months=[JalaliMonth.from_int(month)], rate_code="01", ratio_hundredths=100,
                              persons=persons)
    assert (line.premium, line.per_capita, line.treatment) == (premium, per_capita, per_capita * persons)
    assert line.amount == premium + per_capita * persons


@pytest.mark.django_db
def test_a_year_without_a_per_capita_figure_is_refused_only_for_treatment():
    months = [JalaliMonth(1402, 5)]
    assert ledger.lines_for(months=months, rate_code="02", ratio_hundredths=100, persons=0)[0].premium == 7_679_318
    with pytest.raises(DomainError, match="سرانه درمان سال ۱۴۰۲ هنوز ثبت نشده است"):
        ledger.lines_for(months=months, rate_code="02", ratio_hundredths=100, persons=1)


@pytest.mark.django_db
def test_a_year_without_its_own_wage_row_is_refused_not_charged_at_last_years_rate():
    with pytest.raises(DomainError, match="حداقل دستمزد سال ۱۴۰۶ هنوز در سامانه ثبت نشده است"):
        ledger.lines_for(months=[JalaliMonth(1406, 1)], rate_code="01", ratio_hundredths=100, persons=0)
    with pytest.raises(DomainError, match="سرانه درمان سال ۱۴۰۶ هنوز ثبت نشده است"):
        ledger.lines_for(months=[JalaliMonth(1406, 1)], rate_code="01", ratio_hundredths=100, persons=2)
