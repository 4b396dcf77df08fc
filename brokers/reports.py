"""The office report (clause 4, item 5 of issue 7): per office and Jalali month, the slips it issued and their
premiums, the fees it recorded, and how the presence of its walk-ins was proven."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpResponse

from brokers.models import FeeRecord, PresenceMethod, WalkInSession
from insured.models import Channel, Slip, SlipStatus
from samt.jalali import JalaliMonth, month_bounds
from samt.models import BrokerOffice


@dataclass(frozen=True)
class OfficeMonth:
    office: BrokerOffice | None  # None on the totals row
    slips: int = 0
    paid_slips: int = 0
    premiums: int = 0
    fee_count: int = 0
    fees: int = 0
    by_code: int = 0
    by_card: int = 0


def office_month_report(offices: QuerySet[BrokerOffice], month: JalaliMonth) -> list[OfficeMonth]:
    start, end = month_bounds(month)
    slips = {row["office"]: row for row in (
        Slip.objects.filter(office__in=offices, channel=Channel.BROKER, issued_at__gte=start, issued_at__lt=end)
        .values("office").annotate(n=Count("id"), paid=Count("id", filter=Q(status=SlipStatus.PAID)),
                                   premiums=Sum("total"))
    )}
    fees = {row["office"]: row for row in (
        FeeRecord.objects.filter(office__in=offices, recorded_at__gte=start, recorded_at__lt=end)
        .values("office").annotate(n=Count("id"), total=Sum("amount"))
    )}
    presence: dict[tuple[int, str], int] = {
        (row["office"], row["presence_method"]): row["n"] for row in (
            WalkInSession.objects.filter(office__in=offices, present_at__gte=start, present_at__lt=end)
            .values("office", "presence_method").annotate(n=Count("id"))
        )
    }
    return [
        OfficeMonth(
            office=office,
            slips=slips.get(office.pk, {}).get("n", 0),
            paid_slips=slips.get(office.pk, {}).get("paid", 0),
            premiums=slips.get(office.pk, {}).get("premiums") or 0,
            fee_count=fees.get(office.pk, {}).get("n", 0),
            fees=fees.get(office.pk, {}).get("total") or 0,
            by_code=presence.get((office.pk, PresenceMethod.SMS_CODE), 0),
            by_card=presence.get((office.pk, PresenceMethod.NATIONAL_CARD), 0),
        )
        for office in offices.order_by("code")
    ]


def totals(rows: list[OfficeMonth]) -> OfficeMonth:
    return OfficeMonth(office=None, **{
        name: sum(getattr(row, name) for row in rows)
        for name in ("slips", "paid_slips", "premiums", "fee_count", "fees", "by_code", "by_card")
    })


CSV_HEADER = ["کد کارگزاری", "نام کارگزاری", "ماه", "برگ‌های صادرشده", "برگ‌های پرداخت‌شده", "جمع حق بیمه (ریال)",
              "تعداد کارمزد", "جمع کارمزد (ریال)", "احراز حضور با کد پیامکی", "احراز حضور با کارت ملی"]


def report_csv_response(rows: list[OfficeMonth], month: JalaliMonth) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="broker-report-{month.as_int()}.csv"'
    # The byte-order mark is how Excel knows the file is UTF-8; without it Persian shows as mojibake.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for row in rows:
        # ASCII digits and no separators, so the spreadsheet can add the columns up.
        office = row.office
        writer.writerow([office.code if office else "", office.name if office else "", str(month), row.slips,
                         row.paid_slips, row.premiums, row.fee_count, row.fees, row.by_code, row.by_card])
    return response
