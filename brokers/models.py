"""The broker office's records (clause 4): walk-ins and their proof of presence, approved fee tariffs, the fee
recorded for each slip, and HQ's fault cases against an office or an operator."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max, Q
from django.utils import timezone

from insured.models import InsuredPerson, Slip
from samt.jalali import TEHRAN, JalaliMonth
from samt.models import BrokerOffice, User
from samt.persian import to_persian_digits


class PresenceMethod(models.TextChoices):
    SMS_CODE = "sms_code", "کد یک‌بارمصرف پیامکی"
    NATIONAL_CARD = "national_card", "بررسی کارت ملی (همراهی ثبت نشده)"


class WalkInSession(models.Model):
    """An operator serving one insured person at the counter: found by both identifiers, then proven present.

    Nothing about the person but a masked mobile is shown until `present_at` is set, and the proof is good for
    a short while only (PRESENCE_VALID_FOR in services), so a session left open cannot serve a later visitor.
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(BrokerOffice, on_delete=models.PROTECT, related_name="walk_ins", verbose_name="کارگزاری")
    operator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="کاربر کارگزاری")
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+", verbose_name="بیمه‌شده")
    started_at = models.DateTimeField("زمان جست‌وجو", default=timezone.now)
    # The one-time code: only a keyed hash is stored (a bare hash of six digits is undone by trying all of them).
    code_hash = models.CharField(max_length=128, blank=True)
    code_mobile = models.CharField("همراه گیرنده کد", max_length=11, blank=True)
    codes_sent = models.PositiveSmallIntegerField("تعداد کدهای فرستاده", default=0)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField("تلاش‌های نادرست", default=0)
    presence_method = models.CharField("روش احراز حضور", max_length=16, choices=PresenceMethod.choices, blank=True)
    present_at = models.DateTimeField("زمان احراز حضور", null=True, blank=True)
    presence_until = models.DateTimeField("اعتبار احراز حضور تا", null=True, blank=True)
    card_serial = models.CharField("سریال کارت ملی", max_length=20, blank=True)

    class Meta:
        verbose_name = "مراجعه حضوری به کارگزاری"
        verbose_name_plural = "مراجعه‌های حضوری به کارگزاری"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(presence_method="") | Q(presence_method__in=PresenceMethod.values),
                name="walk_in_method_known",
            ),
            models.CheckConstraint(
                condition=Q(presence_method="", present_at__isnull=True, presence_until__isnull=True)
                | (~Q(presence_method="") & Q(present_at__isnull=False, presence_until__gt=models.F("present_at"))),
                name="walk_in_presence_complete",
            ),
            # The card check is the weaker proof: it must at least name the card the operator looked at.
            models.CheckConstraint(
                condition=~Q(presence_method=PresenceMethod.NATIONAL_CARD) | ~Q(card_serial=""),
                name="walk_in_card_check_names_card",
            ),
        ]

    def __str__(self) -> str:
        return f"مراجعه {self.key.hex[:8]} — کارگزاری {self.office.code}"

    def is_present(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.present_at is not None and self.presence_until is not None and at < self.presence_until


class FeeService(models.TextChoices):
    SLIP_ISSUE = "slip_issue", "صدور برگ پرداخت حق بیمه"


class FeeTariff(models.Model):
    """A fee HQ approved for a service in one Jalali year, in force between two dates (clause 4: the broker
    charges within approved tariffs). The fee on a receipt is always read from here, never typed."""

    year = models.PositiveSmallIntegerField("سال")
    service = models.CharField("خدمت", max_length=32, choices=FeeService.choices, default=FeeService.SLIP_ISSUE)
    amount = models.PositiveBigIntegerField("مبلغ کارمزد (ریال)")
    approval_reference = models.CharField("شماره و تاریخ مصوبه", max_length=128)
    effective_from = models.DateField("اجرا از تاریخ")
    effective_to = models.DateField("اجرا تا تاریخ")

    class Meta:
        verbose_name = "تعرفه کارمزد کارگزاری"
        verbose_name_plural = "تعرفه‌های کارمزد کارگزاری"
        ordering = ["-effective_from", "service"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_tariff_amount_positive"),
            models.CheckConstraint(condition=Q(effective_to__gte=models.F("effective_from")),
                                   name="fee_tariff_dates_ordered"),
            models.CheckConstraint(condition=Q(service__in=FeeService.values), name="fee_tariff_service_known"),
        ]

    def __str__(self) -> str:
        return f"تعرفه {self.get_service_display()} سال {to_persian_digits(self.year)}: {self.amount:,} ریال"

    def clean(self) -> None:
        # A tariff belongs to one Jalali year, and two tariffs of one service never overlap: otherwise "the
        # tariff in force" would be a choice, and the fee would depend on who made it.
        if self.effective_from and self.effective_to and self.year:
            if self.effective_to < self.effective_from:
                raise ValidationError({"effective_to": "تاریخ پایان نمی‌تواند پیش از تاریخ آغاز باشد."})
            years = {JalaliMonth.of_date(self.effective_from).year, JalaliMonth.of_date(self.effective_to).year}
            if years != {self.year}:
                raise ValidationError(f"تاریخ آغاز و پایان باید هر دو در سال {to_persian_digits(self.year)} باشند.")
            overlapping = FeeTariff.objects.filter(service=self.service, effective_from__lte=self.effective_to,
                                                   effective_to__gte=self.effective_from).exclude(pk=self.pk)
            if overlapping.exists():
                raise ValidationError("برای این خدمت در همین بازه تعرفه دیگری ثبت شده است؛ "
                                      "بازه‌ها نباید هم‌پوشانی داشته باشند.")
            last_used = self.records.aggregate(last=Max("recorded_at"))["last"] if self.pk else None
            if last_used and self.effective_to < tehran_today(last_used):
                raise ValidationError({"effective_to": "کارمزدهایی پس از این تاریخ با همین تعرفه ثبت شده‌اند؛ "
                                                       "پایان اجرا نمی‌تواند پیش از آخرین آن‌ها باشد."})

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day <= self.effective_to


class FeeRecord(models.Model):
    """The broker's fee for one slip it issued, recorded in the same transaction as the slip."""

    receipt_number = models.CharField("شماره رسید کارمزد", max_length=16, unique=True)
    office = models.ForeignKey(BrokerOffice, on_delete=models.PROTECT, related_name="fee_records",
                               verbose_name="کارگزاری")
    operator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="کاربر کارگزاری")
    slip = models.OneToOneField(Slip, on_delete=models.PROTECT, related_name="broker_fee", verbose_name="برگ پرداخت")
    walk_in = models.ForeignKey(WalkInSession, on_delete=models.PROTECT, related_name="fees")
    tariff = models.ForeignKey(FeeTariff, on_delete=models.PROTECT, related_name="records", verbose_name="تعرفه")
    amount = models.PositiveBigIntegerField("مبلغ کارمزد (ریال)")
    recorded_at = models.DateTimeField("زمان ثبت", default=timezone.now)

    class Meta:
        verbose_name = "کارمزد ثبت‌شده"
        verbose_name_plural = "کارمزدهای ثبت‌شده"
        ordering = ["-recorded_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="fee_record_amount_positive")]

    def __str__(self) -> str:
        return f"رسید کارمزد {self.receipt_number}"


class Sanction(models.TextChoices):
    NONE = "none", "بدون مجازات"
    WARNING = "warning", "تذکر کتبی"
    SUSPENSION = "suspension", "تعلیق کارگزاری"


class FaultCase(models.Model):
    """A fault HQ found at a broker office (the note under clause 4): what happened, what it cost the
    organisation or insured persons, who answers for it, and what was decided."""

    number = models.CharField("شماره پرونده", max_length=12, unique=True)
    office = models.ForeignKey(BrokerOffice, on_delete=models.PROTECT, related_name="fault_cases",
                               verbose_name="کارگزاری")
    operator = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="کاربر کارگزاری")
    occurred_on = models.DateField("تاریخ رخداد")
    what_happened = models.TextField("شرح تخلف یا قصور")
    slips = models.ManyToManyField(Slip, blank=True, related_name="+", verbose_name="برگ‌های مرتبط")
    loss_to_organisation = models.PositiveBigIntegerField("زیان به سازمان (ریال)", default=0)
    loss_to_insured = models.PositiveBigIntegerField("زیان به بیمه‌شدگان (ریال)", default=0)
    responsible_person = models.CharField("مسئول پاسخ‌گو", max_length=128)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="ثبت به دست")
    recorded_at = models.DateTimeField("زمان ثبت", default=timezone.now)
    decision = models.TextField("تصمیم", blank=True)
    sanction = models.CharField("مجازات", max_length=16, choices=Sanction.choices, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="تصمیم به دست")
    decided_at = models.DateTimeField("زمان تصمیم", null=True, blank=True)

    class Meta:
        verbose_name = "پرونده تخلف کارگزاری"
        verbose_name_plural = "پرونده‌های تخلف کارگزاری"
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(sanction="") | Q(sanction__in=Sanction.values),
                                   name="fault_case_sanction_known"),
            models.CheckConstraint(
                condition=Q(sanction="", decided_at__isnull=True, decided_by__isnull=True)
                | (~Q(sanction="") & ~Q(decision="") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="fault_case_decision_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"پرونده {self.number} — {self.office.name}"

    @property
    def is_decided(self) -> bool:
        return self.decided_at is not None

    @property
    def total_loss(self) -> int:
        return self.loss_to_organisation + self.loss_to_insured


def tehran_today(at: datetime | None = None) -> date:
    return timezone.localtime(at or timezone.now(), TEHRAN).date()
