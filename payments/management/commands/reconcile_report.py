"""The day's reconciliation with the PSP's own report: prints a table, records one audit event, and exits
non-zero when anything does not match, so cron mails someone."""

from __future__ import annotations

import jdatetime
from django.core.management.base import BaseCommand, CommandError, CommandParser

from payments.gateways.base import GatewayError
from payments.reconciliation import Report, parse_day, report_build, report_gateways, report_record
from samt.persian import to_persian_digits

COLUMNS = ("Bank ref / مرجع بانک", "Order / سفارش", "Bank / بانک", "samt / سامانه", "Amount bank / مبلغ بانک",
           "Amount here / مبلغ سامانه", "Finding / نتیجه")


class Command(BaseCommand):
    help = "Compares each PSP's transaction list for DATE (Jalali 1405/09/04 or ISO 2026-11-25) with our ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("date", metavar="DATE", help="the day, Jalali (1405/09/04) or ISO (2026-11-25)")

    def handle(self, *args: object, date: str, **options: object) -> None:
        try:
            day = parse_day(date)
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from None
        findings, unread = 0, []
        for gateway in report_gateways():
            try:
                report = report_build(day, gateway=gateway)
            except GatewayError as error:
                # One PSP's report service being down must not hide the others' findings.
                unread.append(f"{gateway.name}/{gateway.terminal_id}: {error.message}")
                continue
            report_record(report)
            self.stdout.write(render(report))
            findings += len(report.findings)
        if unread:
            raise CommandError("گزارش بانک خوانده نشد / the PSP's report could not be read: " + "; ".join(unread),
                               returncode=2)
        if findings:
            raise CommandError(f"{findings} mismatch(es) / {to_persian_digits(findings)} ناهمخوانی", returncode=1)


def render(report: Report) -> str:
    jalali = jdatetime.date.fromgregorian(date=report.day).strftime("%Y/%m/%d")
    lines = [
        f"Payment reconciliation / تطبیق پرداخت‌ها — {jalali} ({report.day.isoformat()}), "
        f"PSP / درگاه {report.psp}, terminal / پایانه {report.terminal_id}",
    ]
    rows = [COLUMNS] + [
        (row.ref_num or "—", row.order_id, row.state_bank, row.state_here, _amount(row.amount_bank),
         _amount(row.amount_here), row.label)
        for row in sorted(report.rows, key=lambda row: (row.kind == "", row.order_id))
    ]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(COLUMNS) - 1)]
    for row in rows:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[-1]]
        lines.append(" | ".join(cells))
    lines.append(
        f"matched / تطبیق‌یافته: {report.matched}; mismatches / ناهمخوانی: {len(report.findings)}; "
        f"paid at the bank, not yet verified / پرداخت‌شده در بانک، هنوز تأییدنشده: {report.unverified_at_bank}"
    )
    return "\n".join(lines)


def _amount(value: int | None) -> str:
    # Latin digits: the table is read in terminals and mail, where Persian digits may not render.
    return "—" if value is None else f"{value:,}"
