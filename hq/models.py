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


class RunKind(models.TextChoices):
    STATEMENTS = "statements", "گردش حساب‌های پایان سال (محاسبه و صدور)"
    IMPORT = "import", "ورود پرونده‌ها از سامانه پیشین"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "در نوبت"
    RUNNING = "running", "در حال اجرا"
    DONE = "done", "پایان‌یافته"
    FAILED = "failed", "ناموفق"


ACTIVE_RUN_STATES = [RunStatus.QUEUED, RunStatus.RUNNING]


class ProcessingRun(models.Model):
    """A data-processing job started from the browser and run by `manage.py worker`, never in the request."""

    kind = models.CharField("کار", max_length=12, choices=RunKind.choices)
    status = models.CharField("وضعیت", max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    year = models.PositiveSmallIntegerField("سال", null=True, blank=True)
    file_name = models.CharField("نام پرونده", max_length=255, blank=True)
    file_text = models.TextField("محتوای پرونده", blank=True)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="درخواست‌کننده")
    requested_at = models.DateTimeField("زمان درخواست", default=timezone.now)
    started_at = models.DateTimeField("آغاز", null=True, blank=True)
    finished_at = models.DateTimeField("پایان", null=True, blank=True)
    progress = models.CharField("پیشرفت", max_length=200, blank=True)
    result = models.TextField("نتیجه", blank=True)
    bad_rows = models.JSONField("ردیف‌های نادرست", default=list, blank=True)

    class Meta:
        verbose_name = "اجرای فرابری"
        verbose_name_plural = "اجراهای فرابری"
        ordering = ["-requested_at", "-id"]
        constraints = [
            # Two runs of one job never overlap: a second start while one is queued or running is refused here.
            models.UniqueConstraint(fields=["kind"], condition=Q(status__in=ACTIVE_RUN_STATES),
                                    name="one_active_run_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=RunKind.values), name="processing_run_kind_known"),
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="processing_run_status_known"),
            models.CheckConstraint(condition=~Q(kind=RunKind.STATEMENTS) | Q(year__isnull=False),
                                   name="statements_run_has_year"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATES
