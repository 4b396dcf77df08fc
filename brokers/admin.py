"""Read-only here: tariffs change through the province's reference-data pages (brokers.oversight writes them once
the manager approves), fees, walk-ins and cases through their services, which hold the rules."""

from __future__ import annotations

from django.contrib import admin

from brokers.models import FaultCase, FeeRecord, FeeTariff, WalkInSession
from samt.admin import ReadOnlyAdmin
from samt.templatetags.samt_format import jdate, rials


@admin.register(FeeTariff)
class FeeTariffAdmin(ReadOnlyAdmin):
    list_display = ["year", "service", "amount_rials", "approval_reference", "from_jalali", "to_jalali"]
    list_filter = ["year", "service"]

    @admin.display(description="مبلغ (ریال)")
    def amount_rials(self, obj: FeeTariff) -> str:
        return rials(obj.amount)

    @admin.display(description="از", ordering="effective_from")
    def from_jalali(self, obj: FeeTariff) -> str:
        return jdate(obj.effective_from)

    @admin.display(description="تا", ordering="effective_to")
    def to_jalali(self, obj: FeeTariff) -> str:
        return jdate(obj.effective_to)


@admin.register(FeeRecord)
class FeeRecordAdmin(ReadOnlyAdmin):
    list_display = ["receipt_number", "office", "operator", "slip", "amount", "recorded_at"]
    list_filter = ["office"]
    search_fields = ["receipt_number", "slip__number"]


@admin.register(WalkInSession)
class WalkInSessionAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "office", "operator", "presence_method", "present_at"]
    list_filter = ["office", "presence_method"]
    exclude = ["code_hash"]


@admin.register(FaultCase)
class FaultCaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "office", "operator", "sanction", "recorded_at", "decided_at"]
    list_filter = ["office", "sanction"]
