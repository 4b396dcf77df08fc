"""Payment attempts and their event logs, read-only: they change only through the state machine."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from payments.models import GatewayHealth, PaymentAttempt, PaymentEvent
from samt.admin import ReadOnlyAdmin


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    fields = ("at", "kind", "name", "data")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "psp", "state", "amount_rial", "slip", "debt_slip", "office", "bank_ref", "created_at",
                    "failure_reason"]
    list_filter = ["state", "psp"]
    search_fields = ["order_id", "bank_ref", "rrn", "slip__number", "debt_slip__number"]
    inlines = [PaymentEventInline]


@admin.register(GatewayHealth)
class GatewayHealthAdmin(ReadOnlyAdmin):
    """Which gateway is cooling off after repeated token failures, and since when; changed only by payments."""

    list_display = ["psp", "terminal_id", "consecutive_failures", "cooling_until", "last_failure_at", "last_failure",
                    "last_success_at"]
