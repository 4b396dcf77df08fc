"""Reference data changes waiting for the manager: prepared by one person, approved by another (maker/checker)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from samt.models import BrokerOffice, Province, User


class ChangeKind(models.TextChoices):
    WAGE = "wage", "حداقل و سقف دستمزد"
    PER_CAPITA = "per_capita", "سرانه درمان"
    SCHEME_RATE = "scheme_rate", "نرخ حق بیمه"
    FEE_TARIFF = "fee_tariff", "تعرفه کارمزد کارگزاری"
    OFFICE_STATUS = "office_status", "تعلیق یا رفع تعلیق کارگزاری"


class ChangeStatus(models.TextChoices):
    PROPOSED = "proposed", "در انتظار تأیید مدیر کل"
    APPROVED = "approved", "تأییدشده و در اجرا"
    REJECTED = "rejected", "ردشده"


class ReferenceChange(models.Model):
    """One proposed row of reference data. The tables themselves hold only approved rows, so the calculator,
    quotes and statements never see a figure the manager has not approved."""

    kind = models.CharField("نوع", max_length=16, choices=ChangeKind.choices)
    status = models.CharField("وضعیت", max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PROPOSED)
    values = models.JSONField("مقادیر پیشنهادی")
    reason = models.TextField("علت")
    office = models.ForeignKey(BrokerOffice, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="کارگزاری")
    # The preparer's province (none for a national expert): whose manager decides.
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    prepared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="تهیه‌کننده")
    prepared_at = models.DateTimeField("زمان تهیه", default=timezone.now)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="تصمیم‌گیرنده")
    decided_at = models.DateTimeField("زمان تصمیم", null=True, blank=True)
    decision_note = models.TextField("یادداشت تصمیم", blank=True)

    class Meta:
        verbose_name = "تغییر داده پایه"
        verbose_name_plural = "تغییرهای داده پایه"
        ordering = ["-prepared_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChangeKind.values), name="reference_change_kind_known"),
            models.CheckConstraint(condition=Q(status__in=ChangeStatus.values), name="reference_change_status_known"),
            # Four eyes: whoever prepared a figure never approves it, whatever the page lets through.
            models.CheckConstraint(condition=~Q(decided_by=F("prepared_by")), name="reference_change_other_decides"),
            models.CheckConstraint(
                condition=Q(status=ChangeStatus.PROPOSED, decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(status=ChangeStatus.PROPOSED) & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="reference_change_decision_complete",
            ),
            models.CheckConstraint(condition=Q(kind=ChangeKind.OFFICE_STATUS, office__isnull=False)
                                   | (~Q(kind=ChangeKind.OFFICE_STATUS) & Q(office__isnull=True)),
                                   name="reference_change_office_iff_status"),
            models.CheckConstraint(condition=~Q(reason=""), name="reference_change_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — پیشنهاد {self.pk}"
