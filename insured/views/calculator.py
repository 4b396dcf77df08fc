"""The public premium calculator (issue 3, item 7): the month lines a slip for the chosen months would carry,
each number explained in words and arithmetic. Anyone may open it; it reads the rate tables and writes nothing.

The lines come from `ledger.lines_for`, the same function slips use, so the calculator cannot drift from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from insured import ledger, rules
from insured.forms import BY_MONTHLY_WAGE, CalculatorForm
from insured.models import RateCode, WageTable
from samt.errors import DomainError
from samt.formatting import fa_decimal, rials
from samt.formatting import fa_digits as fa
from samt.jalali import JalaliMonth

# A monthly minimum wage is quoted as thirty times the daily one, whatever the length of the month.
MONTHLY_WAGE_DAYS = 30


@dataclass(frozen=True)
class ExplainedLine:
    line: rules.MonthLine
    base: str  # how the daily wage base was found
    premium: str  # base × days × rate
    treatment: str  # per-capita × persons; empty without treatment
    amount: str  # premium + treatment; empty without treatment

    @property
    def rate(self) -> str:
        return fa_decimal(self.line.rate_percent)


@dataclass(frozen=True)
class Quote:
    rate_label: str
    ratio_hundredths: int
    ratio_source: str  # how a monthly wage became the ratio; empty when the ratio was typed
    ratio_adjusted: str  # why the ratio was moved into 1–7; empty when it was not
    persons: int
    lines: list[ExplainedLine]

    @property
    def first(self) -> JalaliMonth:
        return self.lines[0].line.month

    @property
    def last(self) -> JalaliMonth:
        return self.lines[-1].line.month

    @property
    def ratio(self) -> str:
        return fa_decimal(Decimal(self.ratio_hundredths) / rules.RATIO_BASIS)

    @property
    def premium_total(self) -> int:
        return sum(explained.line.premium for explained in self.lines)

    @property
    def treatment_total(self) -> int:
        return sum(explained.line.treatment for explained in self.lines)

    @property
    def total(self) -> int:
        return rules.lines_total([explained.line for explained in self.lines])


@require_safe
def calculator(request: HttpRequest) -> HttpResponse:
    current = JalaliMonth.current()
    form = CalculatorForm(request.GET or None, years=calculator_years(current), current=current)
    quote = refusal = None
    if form.is_valid():
        try:
            quote = quote_for(form)
        except DomainError as refusal_error:
            refusal = refusal_error.message
    context = {"form": form, "quote": quote, "refusal": refusal, "current": current,
               "max_months": rules.MAX_MONTHS_PER_SLIP}
    return render(request, "insured/calculator.html", context)


def calculator_years(current: JalaliMonth) -> list[int]:
    """From the first year with a minimum wage on record to this year; later years have no figures yet."""
    first = WageTable.objects.order_by("effective_from").values_list("effective_from", flat=True).first()
    return list(range(first.year if first else current.year, current.year + 1))


def quote_for(form: CalculatorForm) -> Quote:
    data = form.cleaned_data
    months = data["start"].through(data["end"])
    ratio, source, adjusted = data["ratio"], "", ""
    if data["basis"] == BY_MONTHLY_WAGE:
        ratio, source, adjusted = ratio_from_monthly_wage(data["monthly_wage"], months[0])
    lines = ledger.lines_for(months=months, rate_code=data["rate_code"], ratio_hundredths=ratio,
                             persons=form.persons)
    return Quote(rate_label=RateCode(data["rate_code"]).label, ratio_hundredths=ratio, ratio_source=source,
                 ratio_adjusted=adjusted, persons=form.persons, lines=[explain(line) for line in lines])


def ratio_from_monthly_wage(wage: int, month: JalaliMonth) -> tuple[int, str, str]:
    """The ratio (hundredths, rounded half up) of a monthly wage to the minimum in force in `month`,
    moved into 1–7 when it falls outside; with the arithmetic, and the reason when it was moved."""
    daily = ledger.wage_in_force(month).min_daily
    minimum = daily * MONTHLY_WAGE_DAYS
    ratio = rules.divide_half_up(wage * rules.RATIO_BASIS, minimum)
    equals = "=" if wage * rules.RATIO_BASIS % minimum == 0 else "≈"
    source = (
        f"دستمزد ماهانه {rials(wage)} ریال ÷ حداقل دستمزد ماهانه {month.label} "
        f"({rials(daily)} × {fa(MONTHLY_WAGE_DAYS)} روز = {rials(minimum)} ریال) {equals} "
        f"{fa_decimal(Decimal(ratio) / rules.RATIO_BASIS)} (گرد به دو رقم اعشار)"
    )
    if ratio < rules.MIN_RATIO:
        return rules.MIN_RATIO, source, (
            f"دستمزد ماهانه‌ای که وارد کردید از حداقل دستمزد ماهانه {month.label} کمتر است؛ حق بیمه با "
            "حداقل دستمزد (نسبت ۱) حساب شد."
        )
    if ratio > rules.MAX_RATIO:
        ceiling = minimum * rules.MAX_RATIO // rules.RATIO_BASIS
        return rules.MAX_RATIO, source, (
            f"دستمزد ماهانه‌ای که وارد کردید از سقف دستمزد ماهانه {month.label} ({rials(ceiling)} ریال، هفت برابر "
            "حداقل) بیشتر است؛ حق بیمه با سقف دستمزد (نسبت ۷) حساب شد."
        )
    return ratio, source, ""


def explain(line: rules.MonthLine) -> ExplainedLine:
    # The premium uses the exact base (it can have a fraction of a rial); the table shows it rounded.
    ratio = fa_decimal(line.wage_ratio)
    uncapped = line.ratio_hundredths * line.min_daily
    # A capped base is the ceiling itself, which is whole rials.
    exact_base = Decimal(line.daily_wage_base) if line.capped else Decimal(uncapped) / rules.RATIO_BASIS
    base = f"{ratio} × حداقل دستمزد روزانه {rials(line.min_daily)} = {fa_decimal(exact_base)} ریال"
    if line.capped and uncapped > line.daily_wage_base * rules.RATIO_BASIS:
        base = (f"{ratio} × حداقل دستمزد روزانه {rials(line.min_daily)} = "
                f"{fa_decimal(Decimal(uncapped) / rules.RATIO_BASIS)} ریال، که از سقف دستمزد روزانه بیشتر است؛ "
                f"سقف {rials(line.daily_wage_base)} ریال ملاک است")
    elif line.capped:
        base += "، برابر سقف دستمزد روزانه"
    exact_premium = exact_base * line.days * line.rate_bp / rules.RATE_BASIS
    premium = (f"{fa_decimal(exact_base)} × {fa(line.days)} روز × {fa_decimal(line.rate_percent)}٪ = "
               f"{fa_decimal(exact_premium)} ریال")
    if exact_premium != line.premium:
        premium += f"، با گرد کردن به ریال: {rials(line.premium)} ریال"
    treatment = amount = ""
    if line.persons:
        treatment = f"سرانه {rials(line.per_capita)} × {fa(line.persons)} نفر = {rials(line.treatment)} ریال"
        amount = f"{rials(line.premium)} + {rials(line.treatment)} = {rials(line.amount)} ریال"
    return ExplainedLine(line=line, base=base, premium=premium, treatment=treatment, amount=amount)


