"""HQ maintains the fee tariffs here; every change is audited. Fees, walk-ins and cases are read-only here:
they change only through their services, which hold the rules (a decision's suspension, a fee's tariff)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from brokers.forms import JalaliDateField
from brokers.models import FaultCase, FeeRecord, FeeTariff, WalkInSession
from samt.admin import AuditedModelAdmin, ReadOnlyAdmin
from samt.templatetags.samt_format import jdate, rials

# Once a receipt shows a tariff, what it shows must not change under it.
FIXED_ONCE_USED = ["year", "service", "amount", "approval_reference", "effective_from"]


class FeeTariffForm(forms.ModelForm):
    effective_from = JalaliDateField(label="اجرا از تاریخ (هجری شمسی)")
    effective_to = JalaliDateField(label="اجرا تا تاریخ (هجری شمسی)")

    class Meta:
        model = FeeTariff
        fields = ["year", "service", "amount", "approval_reference", "effective_from", "effective_to"]


@admin.register(FeeTariff)
class FeeTariffAdmin(AuditedModelAdmin):
    form = FeeTariffForm
    list_display = ["year", "service", "amount_rials", "approval_reference", "from_jalali", "to_jalali"]
    list_filter = ["year", "service"]

    def get_readonly_fields(self, request: HttpRequest, obj: FeeTariff | None = None) -> list[str]:
        return FIXED_ONCE_USED if obj is not None and obj.records.exists() else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not obj.records.exists()

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
