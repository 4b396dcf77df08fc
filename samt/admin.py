"""Admin for HQ's reference data. Every save and delete made here leaves an audit event."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.http import HttpRequest

from samt.actors import Actor
from samt.audit import audit_record, snapshot
from samt.models import AuditEvent, Branch, BrokerOffice, Membership, Province, SmsMessage, User, WorkerJobRun

admin.site.site_header = "سامت — مدیریت داده‌های پایه"
admin.site.site_title = "مدیریت سامت"


class AuditedModelAdmin(admin.ModelAdmin):
    """The admin already wraps each change in a transaction; the event joins it."""

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        action = f"admin.{obj._meta.model_name}.{'update' if change else 'create'}"
        audit_record(actor=Actor.from_request(request), action=action, subject=obj, before=before, after=snapshot(obj))

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        before = snapshot(obj)
        audit_record(actor=Actor.from_request(request), action=f"admin.{obj._meta.model_name}.delete", subject=obj,
                     before=before)
        super().delete_model(request, obj)


@admin.register(User)
class SamtUserAdmin(UserAdmin):
    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Never the password hash in the trail: only who changed which account.
        fields = ["username", "first_name", "last_name", "is_active", "is_staff", "is_superuser"]
        before = snapshot(User.objects.get(pk=obj.pk), fields) if change else None
        super().save_model(request, obj, form, change)
        audit_record(actor=Actor.from_request(request), action=f"admin.user.{'update' if change else 'create'}",
                     subject=obj, before=before, after=snapshot(obj, fields))


@admin.register(Province)
class ProvinceAdmin(AuditedModelAdmin):
    list_display = ["code", "name"]


@admin.register(Branch)
class BranchAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "province", "city", "phone"]
    list_filter = ["province"]
    search_fields = ["code", "name", "city"]


@admin.register(BrokerOffice)
class BrokerOfficeAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "legal_entity_id", "province", "branch", "status"]
    list_filter = ["province", "status"]
    search_fields = ["code", "name", "legal_entity_id"]


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    list_display = ["user", "role", "branch", "office", "province"]
    list_filter = ["role", "branch", "office"]
    autocomplete_fields = ["user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "role", "action", "subject_label", "client_ip"]
    list_filter = ["action", "role"]
    search_fields = ["actor_label", "subject_label", "subject_id"]


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "to", "text", "status", "attempts", "provider_message_id", "delivery_status"]
    list_filter = ["status", "reminder"]
    search_fields = ["to", "event_key", "provider_message_id"]


@admin.register(WorkerJobRun)
class WorkerJobRunAdmin(ReadOnlyAdmin):
    list_display = ["name", "started_at", "finished_at", "ok", "summary"]
