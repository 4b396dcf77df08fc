"""The organisation's reports: each a table of rows (by branch or office, for a Jalali month or a window), the
chart drawn from the same rows, and the same rows as CSV. Figures come from aggregate queries; the tests
recompute every one of them with plain SQL."""

from __future__ import annotations

import csv
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpResponse
from django.utils import timezone

from branches.models import CredentialRequest, RequestStatus
from brokers.models import FeeRecord
from hq.charts import Series, bar_chart_svg
from insured.models import (
    AccountStatement,
    Channel,
    Contract,
    ContractStatus,
    Gate,
    GateRefusal,
    Slip,
    SlipStatus,
)
from samt.formatting import jdate
from samt.jalali import TEHRAN, JalaliMonth, month_bounds
from samt.models import Branch, BrokerOffice, OutreachScan
from samt.outreach import place_tag
from samt.persian import to_persian_digits

DEMAND_WINDOW_DAYS = 7
AGE_BUCKETS = ((30, "age_0_30", "تا ۳۰ روز"), (90, "age_31_90", "۳۱ تا ۹۰ روز"), (None, "age_over_90", "بیش از ۹۰ روز"))


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # "text", "count", "rials" or "days"


@dataclass(frozen=True)
class Scope:
    branches: QuerySet[Branch]
    offices: QuerySet[BrokerOffice]
    month: JalaliMonth


@dataclass
class Report:
    slug: str
    title: str
    period: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    chart: str = ""
    note: str = ""
    people: list[GateRefusal] = field(default_factory=list)

    @property
    def cells(self) -> list[list[tuple[str, Any]]]:
        """Each row as (kind, value) pairs in column order, for the template to format."""
        return [[(column.kind, row[column.key]) for column in self.columns] for row in self.rows]


# Slips issued and paid by channel ---------------------------------------------------------------------------------

def slips_report(scope: Scope) -> Report:
    start, end = month_bounds(scope.month)
    person_branch = "contract__insured__branch"
    mine = Slip.objects.filter(**{f"{person_branch}__in": scope.branches})

    def by_branch_channel(slips: QuerySet[Slip]) -> dict[tuple[int, str], dict[str, int]]:
        return {(row[person_branch], row["channel"]): row
                for row in slips.values(person_branch, "channel").annotate(n=Count("id"), amount=Sum("total"))}

    issued = by_branch_channel(mine.filter(issued_at__gte=start, issued_at__lt=end))
    paid = by_branch_channel(mine.filter(status=SlipStatus.PAID, paid_at__gte=start, paid_at__lt=end))
    branches = list(scope.branches.order_by("code"))
    rows: list[dict[str, Any]] = []
    for branch in branches:
        for channel in Channel:
            i, p = issued.get((branch.pk, channel), {}), paid.get((branch.pk, channel), {})
            rows.append({"branch": branch.name, "branch_code": branch.code, "channel": channel.label,
                         "channel_code": channel.value, "issued": i.get("n", 0), "issued_amount": i.get("amount") or 0,
                         "paid": p.get("n", 0), "paid_amount": p.get("amount") or 0})
    series = [Series(channel.label, [sum(r["paid_amount"] for r in rows
                                         if r["branch_code"] == b.code and r["channel_code"] == channel)
                                     for b in branches]) for channel in Channel]
    return Report(
        slug="slips", title="برگ‌های صادر و پرداخت‌شده به تفکیک راه صدور", period=scope.month.label,
        columns=[Column("branch", "شعبه بیمه‌شده", "text"), Column("channel", "راه صدور", "text"),
                 Column("issued", "صادرشده"), Column("issued_amount", "مبلغ صادرشده (ریال)", "rials"),
                 Column("paid", "پرداخت‌شده"), Column("paid_amount", "مبلغ پرداخت‌شده (ریال)", "rials")],
        rows=rows,
        chart=bar_chart_svg(title="مبلغ پرداخت‌شده در ماه به تفکیک شعبه و راه", labels=[b.name for b in branches],
                            series=series),
        note="صادرشده: برگ‌هایی که در این ماه صادر شدند؛ پرداخت‌شده: برگ‌هایی که پرداختشان در این ماه بود. "
             "هر برگ به شعبه پرونده بیمه‌شده نسبت داده می‌شود، از هر راهی که صادر شده باشد.",
    )


# Credential requests ----------------------------------------------------------------------------------------------

CREDENTIAL_STATES = [RequestStatus.REGISTERED, RequestStatus.APPROVED, RequestStatus.ISSUED, RequestStatus.DELIVERED,
                     RequestStatus.REJECTED, RequestStatus.CANCELLED]


def median_days(pairs: list[tuple[datetime, datetime]]) -> float | None:
    if not pairs:
        return None
    return round(statistics.median((done - begun).total_seconds() / 86400 for begun, done in pairs), 1)


def credentials_report(scope: Scope) -> Report:
    start, end = month_bounds(scope.month)
    requests = CredentialRequest.objects.filter(branch__in=scope.branches)
    counts = {(row["branch"], row["status"]): row["n"] for row in (
        requests.filter(registered_at__gte=start, registered_at__lt=end).values("branch", "status")
        .annotate(n=Count("id")))}
    delivered: dict[int, list[tuple[datetime, datetime]]] = {}
    for branch_id, registered, done in requests.filter(delivered_at__gte=start, delivered_at__lt=end).values_list(
            "branch", "registered_at", "delivered_at"):
        if registered is not None and done is not None:  # a delivered request was registered first
            delivered.setdefault(branch_id, []).append((registered, done))
    branches = list(scope.branches.order_by("code"))
    rows = []
    for branch in branches:
        row: dict[str, Any] = {"branch": branch.name, "branch_code": branch.code}
        for state in CREDENTIAL_STATES:
            row[state.value] = counts.get((branch.pk, state.value), 0)
        row["registered_total"] = sum(row[state.value] for state in CREDENTIAL_STATES)
        row["delivered_in_month"] = len(delivered.get(branch.pk, []))
        row["median_days"] = median_days(delivered.get(branch.pk, []))
        rows.append(row)
    return Report(
        slug="credentials", title="درخواست‌های نام کاربری و گذرواژه", period=scope.month.label,
        columns=[Column("branch", "شعبه", "text"), Column("registered_total", "ثبت‌شده در ماه"),
                 *[Column(state.value, f"اکنون: {state.label}") for state in CREDENTIAL_STATES],
                 Column("delivered_in_month", "تحویل‌شده در ماه"),
                 Column("median_days", "میانه روز از ثبت تا تحویل", "days")],
        rows=rows,
        chart=bar_chart_svg(title="میانه روز از ثبت در دبیرخانه تا تحویل", labels=[b.name for b in branches],
                            series=[Series("میانه روز", [round(r["median_days"] or 0) for r in rows])]),
        note="ستون‌های «اکنون»: وضعیت امروز درخواست‌هایی که در این ماه در دبیرخانه ثبت شدند. میانه روز: برای "
             "درخواست‌هایی که در این ماه تحویل شدند، از زمان ثبت در دبیرخانه تا زمان تحویل.",
    )


# People behind the statement gate -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Blocked:
    contract_id: int
    branch_id: int
    cause: str  # "missing", "computed" or "issued"
    since: date


def as_of(scope: Scope) -> datetime:
    """The last instant a report looks at (inclusive): the end of the chosen month, or now while it runs."""
    return min(month_bounds(scope.month)[1] - timedelta(microseconds=1), timezone.now())


def blocked_by_statement_gate(branches: QuerySet[Branch], at: datetime) -> list[Blocked]:
    """Contracts active now, made by `at` and begun before that year, whose last-year statement at `at` was missing,
    not issued, or issued with a debt: online and broker issuance refused them (design rule 3). A statement's state
    at `at` is read from its computed/issued/settled times; a contract's past status is not kept, so one that has
    lapsed since is left out."""
    year = JalaliMonth.current(at).year
    new_year = JalaliMonth(year, 1).first_day
    contracts = Contract.objects.filter(insured__branch__in=branches, status=ContractStatus.ACTIVE, created_at__lte=at,
                                        first_month__lt=JalaliMonth(year, 1)).values_list("pk", "insured__branch")
    statements = {row[0]: row[1:] for row in AccountStatement.objects.filter(
        year=year - 1, contract__insured__branch__in=branches, computed_at__lte=at).values_list(
        "contract", "issued_at", "settled_at")}
    blocked = []
    for contract_id, branch_id in contracts:
        if contract_id not in statements:
            blocked.append(Blocked(contract_id=contract_id, branch_id=branch_id, cause="missing", since=new_year))
            continue
        issued_at, settled_at = statements[contract_id]
        if settled_at is not None and settled_at <= at:
            continue
        if issued_at is not None and issued_at <= at:
            since = timezone.localtime(issued_at, TEHRAN).date()
            blocked.append(Blocked(contract_id=contract_id, branch_id=branch_id, cause="issued", since=since))
        else:
            blocked.append(Blocked(contract_id=contract_id, branch_id=branch_id, cause="computed", since=new_year))
    return blocked


def age_bucket(days: int) -> str:
    return next(key for limit, key, _ in AGE_BUCKETS if limit is None or days <= limit)


def _snapshot_label(scope: Scope, at: datetime) -> str:
    return "امروز" if at < month_bounds(scope.month)[1] - timedelta(microseconds=1) else f"پایان {scope.month.label}"


def gate_report(scope: Scope) -> Report:
    at = as_of(scope)
    day = timezone.localtime(at, TEHRAN).date()
    blocked = blocked_by_statement_gate(scope.branches, at)
    branches = list(scope.branches.order_by("code"))
    rows = []
    for branch in branches:
        mine = [b for b in blocked if b.branch_id == branch.pk]
        row: dict[str, Any] = {"branch": branch.name, "branch_code": branch.code, "blocked": len(mine)}
        for cause in ("missing", "computed", "issued"):
            row[cause] = sum(1 for b in mine if b.cause == cause)
        for _, key, _ in AGE_BUCKETS:
            row[key] = sum(1 for b in mine if age_bucket((day - b.since).days) == key)
        rows.append(row)
    return Report(
        slug="gate", title="بیمه‌شدگانِ پشت دروازه گردش حساب",
        period=f"{_snapshot_label(scope, at)}؛ گردش حساب سال {JalaliMonth.current(at).year - 1}",
        columns=[Column("branch", "شعبه", "text"), Column("blocked", "همه"),
                 Column("missing", "گردش حساب محاسبه‌نشده"), Column("computed", "محاسبه‌شده، صادرنشده"),
                 Column("issued", "صادرشده با بدهی"),
                 *[Column(key, f"مدت: {label}") for _, key, label in AGE_BUCKETS]],
        rows=rows,
        chart=bar_chart_svg(title="بیمه‌شدگان پشت دروازه به تفکیک مدت", labels=[b.name for b in branches],
                            series=[Series(label, [r[key] for r in rows]) for _, key, label in AGE_BUCKETS]),
        note="وضعیت در پایان ماه انتخاب‌شده (یا امروز، برای ماه جاری). مدت از آغاز سال (برای گردش حساب صادرنشده) "
             "یا از روز صدور گردش حسابِ بدهکار شمرده می‌شود. قراردادی که از آن پس باطل شده در شمار نیست.",
    )


# The demand signal ------------------------------------------------------------------------------------------------

def demand_report(scope: Scope) -> Report:
    """Who met a gate in the chosen month (up to today), and who met one in the last week up to then: the people
    a branch will see at its counter next."""
    last_day = timezone.localtime(as_of(scope), TEHRAN).date()
    week_from = last_day - timedelta(days=DEMAND_WINDOW_DAYS - 1)
    mine = GateRefusal.objects.filter(branch__in=scope.branches, day__lte=last_day)
    refusals = mine.filter(day__gte=scope.month.first_day)
    people = {(row["branch"], row["gate"]): row["n"] for row in (
        refusals.values("branch", "gate").annotate(n=Count("contract", distinct=True)))}
    totals = {row["branch"]: row for row in refusals.values("branch").annotate(
        n=Count("contract", distinct=True),
        online=Count("contract", distinct=True, filter=Q(channel=Channel.ONLINE)),
        broker=Count("contract", distinct=True, filter=Q(channel=Channel.BROKER)))}
    # The last week reaches back across the month's start: it is the signal of who comes next.
    week = {row["branch"]: row["n"] for row in mine.filter(day__gte=week_from).values("branch").annotate(
        n=Count("contract", distinct=True))}
    branches = list(scope.branches.order_by("code"))
    rows = []
    for branch in branches:
        total = totals.get(branch.pk, {})
        row: dict[str, Any] = {"branch": branch.name, "branch_code": branch.code, "people": total.get("n", 0),
                               "last_week": week.get(branch.pk, 0), "online": total.get("online", 0),
                               "broker": total.get("broker", 0)}
        for gate in Gate:
            row[gate.value] = people.get((branch.pk, gate.value), 0)
        rows.append(row)
    return Report(
        slug="demand", title="نشانه تقاضا: چه کسانی و چرا به شعبه می‌آیند",
        period=f"{scope.month.label}، تا {jdate(last_day)}",
        columns=[Column("branch", "شعبه", "text"), Column("people", "افراد در ماه"),
                 Column("last_week", f"افراد در {to_persian_digits(DEMAND_WINDOW_DAYS)} روز آخر"),
                 Column("online", "ناموفق در اینترنت"), Column("broker", "ناموفق در کارگزاری"),
                 *[Column(gate.value, gate.label) for gate in Gate]],
        rows=rows,
        chart=bar_chart_svg(title="افرادی که به شعبه خواهند آمد", labels=[b.name for b in branches],
                            series=[Series(f"{to_persian_digits(DEMAND_WINDOW_DAYS)} روز آخر",
                                           [r["last_week"] for r in rows]),
                                    Series("همه ماه", [r["people"] for r in rows])]),
        note="هر کس که در این بازه در اینترنت یا کارگزاری به مانعی خورد، یک بار برای هر مانع شمرده می‌شود؛ "
             "این افراد برای رفع آن به شعبه پرونده خود می‌آیند، به‌ویژه آنان که در "
             f"{to_persian_digits(DEMAND_WINDOW_DAYS)} روز آخر "
             "به مانع خوردند.",
        people=list(refusals.select_related("contract__insured", "branch", "office").order_by("branch", "-at")[:200]),
    )


# Broker fees against the tariff -----------------------------------------------------------------------------------

def fees_report(scope: Scope) -> Report:
    start, end = month_bounds(scope.month)
    slips = {row["office"]: row["n"] for row in (
        Slip.objects.filter(office__in=scope.offices, channel=Channel.BROKER, issued_at__gte=start, issued_at__lt=end)
        .values("office").annotate(n=Count("id")))}
    fees = {row["office"]: row for row in (
        FeeRecord.objects.filter(office__in=scope.offices, recorded_at__gte=start, recorded_at__lt=end)
        .values("office").annotate(n=Count("id"), total=Sum("amount"), tariff=Sum("tariff__amount")))}
    offices = list(scope.offices.order_by("code"))
    rows = []
    for office in offices:
        fee = fees.get(office.pk, {})
        total, tariff = fee.get("total") or 0, fee.get("tariff") or 0
        rows.append({"office": office.name, "office_code": office.code, "slips": slips.get(office.pk, 0),
                     "fee_count": fee.get("n", 0), "fees": total, "tariff_total": tariff, "difference": total - tariff})
    return Report(
        slug="fees", title="کارمزد کارگزاری‌ها در برابر تعرفه مصوب", period=scope.month.label,
        columns=[Column("office", "کارگزاری", "text"), Column("slips", "برگ‌های صادرشده"),
                 Column("fee_count", "کارمزدهای ثبت‌شده"), Column("fees", "جمع کارمزد (ریال)", "rials"),
                 Column("tariff_total", "جمع به نرخ تعرفه (ریال)", "rials"),
                 Column("difference", "اختلاف (ریال)", "rials")],
        rows=rows,
        chart=bar_chart_svg(title="کارمزد گرفته‌شده و کارمزد به نرخ تعرفه", labels=[o.name for o in offices],
                            series=[Series("کارمزد", [r["fees"] for r in rows]),
                                    Series("به نرخ تعرفه", [r["tariff_total"] for r in rows])]),
        note="اختلافی جز صفر یعنی کارمزدی بیرون از تعرفه مصوب ثبت شده است و باید بررسی شود.",
    )


# Scans of the outreach kit's QR codes ---------------------------------------------------------------------------

def scans_report(scope: Scope) -> Report:
    in_month = OutreachScan.objects.filter(day__gte=scope.month.first_day, day__lte=scope.month.last_day)
    by_branch = {row["branch"]: row["n"] for row in (
        in_month.filter(branch__in=scope.branches).values("branch").annotate(n=Sum("scans")))}
    by_office = {row["office"]: row["n"] for row in (
        in_month.filter(office__in=scope.offices).values("office").annotate(n=Sum("scans")))}
    places: list[Branch | BrokerOffice] = [*scope.branches.order_by("code"), *scope.offices.order_by("code")]
    rows = [{"place": place.name, "kind": "شعبه" if isinstance(place, Branch) else "کارگزاری",
             "tag": place_tag(place),
             "scans": (by_branch if isinstance(place, Branch) else by_office).get(place.pk, 0)} for place in places]
    return Report(
        slug="scans", title="خواندن کد پوستر و بروشور به تفکیک شعبه و کارگزاری", period=scope.month.label,
        columns=[Column("place", "شعبه یا کارگزاری", "text"), Column("kind", "نوع", "text"),
                 Column("scans", "خواندن در ماه")],
        rows=rows,
        chart=bar_chart_svg(title="خواندن کد پوستر و بروشور در ماه", labels=[row["place"] for row in rows],
                            series=[Series("خواندن", [row["scans"] for row in rows])]),
        note="هر بار که کسی کد QR پوستر یا بروشور شعبه یا کارگزاری را می‌خواند یک خواندن شمرده می‌شود؛ از خواننده "
             "هیچ داده‌ای نگه داشته نمی‌شود.",
    )


REPORTS: dict[str, tuple[str, Callable[[Scope], Report]]] = {
    "slips": ("برگ‌های صادر و پرداخت‌شده به تفکیک راه صدور", slips_report),
    "credentials": ("درخواست‌های نام کاربری و گذرواژه", credentials_report),
    "gate": ("بیمه‌شدگانِ پشت دروازه گردش حساب", gate_report),
    "demand": ("نشانه تقاضا", demand_report),
    "fees": ("کارمزد کارگزاری‌ها در برابر تعرفه", fees_report),
    "scans": ("خواندن کد پوستر و بروشور", scans_report),
}


def csv_response(report: Report, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    # The byte-order mark is how Excel knows the file is UTF-8; without it Persian shows as mojibake.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([column.label for column in report.columns])
    for row in report.rows:
        # ASCII digits and no separators, so a spreadsheet can add the columns up.
        writer.writerow(["" if row[column.key] is None else row[column.key] for column in report.columns])
    return response
