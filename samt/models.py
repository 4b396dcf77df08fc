"""The organisation every app works inside, the audit trail, and the SMS outbox."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from samt.validators import validate_legal_entity_id


class User(AbstractUser):
    """A login. Staff get a Membership; an insured person's account has none."""

    # Set when the branch allocates a password on a credential letter: the person must replace it with one
    # only they know before any other page (design rule 5). Cleared by the password change page.
    must_change_password = models.BooleanField("باید گذرواژه را عوض کند", default=False)

    class Meta:
        verbose_name = "کاربر"
        verbose_name_plural = "کاربران"

    @property
    def membership_or_none(self) -> Membership | None:
        try:
            return self.membership
        except Membership.DoesNotExist:
            return None

    @property
    def role(self) -> str:
        membership = self.membership_or_none
        return membership.role if membership else Role.INSURED

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    INSURED = "insured", "بیمه‌شده"
    TECHNICAL_STAFF = "technical_staff", "کارشناس امور فنی بیمه‌شدگان"
    BRANCH_HEAD = "branch_head", "رئیس شعبه"
    SECRETARIAT = "secretariat", "دبیرخانه شعبه"
    BROKER_OPERATOR = "broker_operator", "کاربر کارگزاری"
    # The value predates the other province roles: the demo's hq_tehran and every HQ page keep working, and
    # the manager is who they always meant (the one who approves).
    HQ = "hq", "مدیر کل"
    HQ_TECHNICAL = "hq_technical", "کارشناس ارشد امور فنی"
    BROKER_AFFAIRS = "broker_affairs", "کارشناس امور کارگزاری‌ها"
    DATA_PROCESSING = "data_processing", "فرابری (پردازش داده‌ها)"


BRANCH_ROLES = frozenset({Role.TECHNICAL_STAFF, Role.BRANCH_HEAD, Role.SECRETARIAT})
OFFICE_ROLES = frozenset({Role.BROKER_OPERATOR})
# The province's directorate: scoped to a province, or to the country when the membership names none.
HQ_ROLES = frozenset({Role.HQ, Role.HQ_TECHNICAL, Role.BROKER_AFFAIRS, Role.DATA_PROCESSING})
# Every staff role acts on other people's records, so every one of them needs a second factor.
SECOND_FACTOR_ROLES = BRANCH_ROLES | OFFICE_ROLES | HQ_ROLES

four_digit_code = RegexValidator(r"^[0-9]{4}$", "کد باید چهار رقم باشد.")


class Province(models.Model):
    code = models.CharField("کد", max_length=2, unique=True, validators=[RegexValidator(r"^[0-9]{2}$")])
    name = models.CharField("نام استان", max_length=64, unique=True)

    class Meta:
        verbose_name = "استان"
        verbose_name_plural = "استان‌ها"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    code = models.CharField("کد شعبه", max_length=4, unique=True, validators=[four_digit_code])
    name = models.CharField("نام شعبه", max_length=128)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="branches", verbose_name="استان")
    city = models.CharField("شهر", max_length=64)
    address = models.CharField("نشانی", max_length=255)
    opening_hours = models.CharField("ساعات کار", max_length=128)
    phone = models.CharField("تلفن", max_length=32)

    class Meta:
        verbose_name = "شعبه"
        verbose_name_plural = "شعبه‌ها"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{4}$"), name="branch_code_four_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OfficeStatus(models.TextChoices):
    ACTIVE = "active", "فعال"
    SUSPENDED = "suspended", "تعلیق"
    CLOSED = "closed", "لغو مجوز"


class BrokerOffice(models.Model):
    code = models.CharField("کد کارگزاری", max_length=8, unique=True, validators=[RegexValidator(r"^[0-9]{3,8}$")])
    name = models.CharField("نام کارگزاری", max_length=128)
    legal_entity_id = models.CharField(
        "شناسه ملی", max_length=11, unique=True, validators=[validate_legal_entity_id]
    )
    licence_number = models.CharField("شماره مجوز", max_length=32, unique=True)
    responsible_person = models.CharField("مسئول کارگزاری", max_length=128)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="broker_offices", verbose_name="استان"
    )
    address = models.CharField("نشانی", max_length=255, blank=True)
    # The branch near the office, named on its poster and brochure: where its walk-ins ask for a username and
    # password (clause 2). Any branch of the province serves; this one is the office's neighbour.
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="شعبه نزدیک")
    status = models.CharField("وضعیت", max_length=16, choices=OfficeStatus.choices, default=OfficeStatus.ACTIVE)

    class Meta:
        verbose_name = "کارگزاری رسمی"
        verbose_name_plural = "کارگزاری‌های رسمی"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OfficeStatus.values), name="office_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        branch = self.branch
        if branch is not None and self.province_id is not None and branch.province_id != self.province_id:
            raise ValidationError({"branch": "شعبه نزدیک باید از استان همین کارگزاری باشد."})


class Membership(models.Model):
    """Who works where, in which role. One per staff account, so every request has one unambiguous scope."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership", verbose_name="کاربر")
    role = models.CharField("نقش", max_length=32, choices=Role.choices)
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships", verbose_name="شعبه"
    )
    office = models.ForeignKey(
        BrokerOffice, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships",
        verbose_name="کارگزاری",
    )
    # HQ of one province sees that province; an HQ member with no province sees the whole country.
    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, related_name="hq_memberships",
        verbose_name="استان (ستاد)",
    )

    class Meta:
        verbose_name = "عضویت کارکنان"
        verbose_name_plural = "عضویت‌های کارکنان"
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role__in=sorted(BRANCH_ROLES), branch__isnull=False, office__isnull=True, province__isnull=True)
                    | Q(role__in=sorted(OFFICE_ROLES), office__isnull=False, branch__isnull=True, province__isnull=True)
                    | Q(role__in=sorted(HQ_ROLES), branch__isnull=True, office__isnull=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.username}: {self.get_role_display()} — {self.place_label}"

    @property
    def place_label(self) -> str:
        if self.branch_id:
            return str(self.branch)
        if self.office_id:
            return str(self.office)
        return f"اداره کل {self.province}" if self.province_id else "ستاد سازمان"


class AuditEvent(models.Model):
    """Append-only: on PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE, on SQLite UPDATE; the worker links
    each event into the hash chain (AuditLink), so a change made past the triggers is found by verify_audit_chain.
    A migration that makes SQLite rebuild this table drops its trigger and must create it again."""

    at = models.DateTimeField("زمان", default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField("انجام‌دهنده", max_length=150)
    role = models.CharField("نقش", max_length=32, blank=True)
    # Where the event is filed. No foreign-key constraint in the database: checking one takes a share lock on the
    # branch's row, and writing an event (every slip issued, every payment) must not wait for a transaction that
    # holds a branch, office or province row (the month-end rush); PROTECT still keeps the ORM from deleting them.
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               db_constraint=False)
    office = models.ForeignKey(BrokerOffice, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               db_constraint=False)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_constraint=False)
    action = models.CharField("رویداد", max_length=64, db_index=True)
    subject_type = models.CharField("نوع موضوع", max_length=64, blank=True)
    subject_id = models.CharField("شناسه موضوع", max_length=64, blank=True)
    subject_label = models.CharField("موضوع", max_length=255, blank=True)
    before = models.JSONField("پیش از", null=True, blank=True)
    after = models.JSONField("پس از", null=True, blank=True)
    client_ip = models.GenericIPAddressField("نشانی", null=True, blank=True)

    class Meta:
        verbose_name = "رویداد ممیزی"
        verbose_name_plural = "رویدادهای ممیزی"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_subject_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role in Role.values else self.role


class AuditLink(models.Model):
    """One link of the audit trail's hash chain (samt.audit_chain): the events in the order the chain took them,
    each with the hash of the link before and its own hash over that and the event's content. Written by the worker
    shortly after the event's transaction committed, so no request waits for another's; append-only like the
    events (the same triggers)."""

    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="link")
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.row_hash[:12]}"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", "در صف ارسال"
    SENT = "sent", "تحویل سامانه پیامک شد"
    FAILED = "failed", "ارسال نشد"
    CAPPED = "capped", "نفرستاده (سقف روزانه این شماره)"


class SmsMessage(models.Model):
    """The SMS outbox: a row is written in the same transaction as the event it announces, and only the worker
    hands it to the provider (`samt.sms`). The development outbox page reads this table like a phone."""

    to = models.CharField("گیرنده", max_length=11, db_index=True)
    text = models.TextField("متن")
    created_at = models.DateTimeField("زمان", default=timezone.now)
    # Names the event (e.g. "slip.issued:42"): the database refuses a second text for one event.
    event_key = models.CharField("رویداد", max_length=96, blank=True)
    reminder = models.BooleanField("یادآوری", default=False)
    status = models.CharField("وضعیت", max_length=8, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField("دفعات تلاش", default=0)
    next_attempt_at = models.DateTimeField("تلاش بعدی", default=timezone.now)
    last_error = models.CharField("آخرین خطا", max_length=255, blank=True)
    sent_at = models.DateTimeField("زمان ارسال", null=True, blank=True)
    provider = models.CharField("سامانه پیامک", max_length=32, blank=True)
    provider_message_id = models.CharField("شناسه پیام نزد سامانه پیامک", max_length=64, blank=True)
    delivery_status = models.CharField("وضعیت تحویل", max_length=64, blank=True)
    delivery_checked_at = models.DateTimeField(null=True, blank=True)
    delivery_final = models.BooleanField("وضعیت تحویل قطعی", default=False)

    class Meta:
        verbose_name = "پیامک"
        verbose_name_plural = "پیامک‌ها (صف ارسال)"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SmsStatus.values), name="sms_status_known"),
            models.UniqueConstraint(fields=["event_key", "to"], condition=~Q(event_key=""), name="sms_once_per_event"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sms_due_idx")]

    def __str__(self) -> str:
        return f"{self.to}: {self.text[:40]}"


class WorkerJobRun(models.Model):
    """When each scheduled job last ran, shared by every worker process: whichever holds a job's lock reads here
    whether it is due, so a job keeps its schedule when the acting worker changes server."""

    name = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=True)
    summary = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = "اجرای کار زمان‌بندی‌شده"
        verbose_name_plural = "اجرای کارهای زمان‌بندی‌شده"

    def __str__(self) -> str:
        return f"{self.name} {self.finished_at}"


class Counter(models.Model):
    """A named gap-free sequence (secretariat numbers, document numbers), advanced under a row lock."""

    key = models.CharField(max_length=64, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "شمارنده"
        verbose_name_plural = "شمارنده‌ها"

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ThrottleWindow(models.Model):
    """Hits of one key (an address) on one scope in one fixed time window. In the database, not in process
    memory, so the limit holds across every app server and worker process."""

    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "شمارش درخواست"
        verbose_name_plural = "شمارش درخواست‌ها"
        constraints = [models.UniqueConstraint(fields=["scope", "key", "window_start"], name="throttle_window_once")]
        indexes = [models.Index(fields=["scope", "window_start"], name="throttle_scope_window_idx")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}@{self.window_start:%H:%M} {self.hits}"


class OutreachScan(models.Model):
    """Scans of the QR code on a branch's or a broker office's poster and brochure (clause 1's outreach), counted
    per place and Tehran day. Nothing about who scanned is kept."""

    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="شعبه")
    office = models.ForeignKey(BrokerOffice, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="کارگزاری")
    day = models.DateField("روز")
    scans = models.PositiveIntegerField("شمار خواندن", default=0)

    class Meta:
        verbose_name = "خواندن کد پوستر و بروشور"
        verbose_name_plural = "خواندن‌های کد پوستر و بروشور"
        constraints = [
            models.CheckConstraint(condition=Q(branch__isnull=False, office__isnull=True)
                                   | Q(branch__isnull=True, office__isnull=False), name="outreach_scan_one_place"),
            # One row per place and day, so a scan is one atomic increment of that row.
            models.UniqueConstraint(fields=["branch", "day"], condition=Q(branch__isnull=False),
                                    name="outreach_scan_branch_day"),
            models.UniqueConstraint(fields=["office", "day"], condition=Q(office__isnull=False),
                                    name="outreach_scan_office_day"),
        ]

    def __str__(self) -> str:
        return f"{self.branch or self.office} {self.day}: {self.scans}"
