"""The branch's credential workflow (directive clauses 2, 3 and 7): identity checks, powers of attorney,
credential requests with their secretariat number, and each request's history."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from insured.models import InsuredPerson
from samt.models import Branch, User
from samt.persian import to_persian_digits


class IdentityCheck(models.Model):
    """A staff member saw this person's identity documents and matched them to the person in front of them.

    Recorded before a request can exist (clause 2), and again when the letter is handed over.
    """

    national_code = models.CharField("کد ملی", max_length=10)
    full_name = models.CharField("نام و نام خانوادگی", max_length=130)
    saw_national_card = models.BooleanField("کارت ملی دیده شد", default=False)
    saw_birth_certificate = models.BooleanField("شناسنامه دیده شد", default=False)
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="احراز هویت به دست")
    checked_at = models.DateTimeField("زمان احراز هویت", default=timezone.now)

    class Meta:
        verbose_name = "احراز هویت"
        verbose_name_plural = "احراز هویت‌ها"
        constraints = [
            models.CheckConstraint(
                condition=Q(saw_national_card=True) | Q(saw_birth_certificate=True), name="identity_document_seen"
            ),
            models.CheckConstraint(condition=Q(national_code__regex=r"^[0-9]{10}$"), name="identity_code_ten_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.national_code})"

    @property
    def documents_label(self) -> str:
        seen = [label for flag, label in ((self.saw_national_card, "کارت ملی"),
                                          (self.saw_birth_certificate, "شناسنامه")) if flag]
        return " و ".join(seen)


class PowerOfAttorney(models.Model):
    """A notarised power of attorney (وکالتنامه) an attorney presented for the insured (clause 7)."""

    insured = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="powers_of_attorney")
    attorney_national_code = models.CharField("کد ملی وکیل", max_length=10)
    attorney_first_name = models.CharField("نام وکیل", max_length=64)
    attorney_last_name = models.CharField("نام خانوادگی وکیل", max_length=64)
    attorney_mobile = models.CharField("تلفن همراه وکیل", max_length=11)
    notary_office_number = models.CharField("شماره دفترخانه", max_length=8)
    notary_city = models.CharField("شهر دفترخانه", max_length=64)
    document_number = models.CharField("شماره وکالتنامه", max_length=32)
    document_date = models.DateField("تاریخ وکالتنامه")
    expires_on = models.DateField("تاریخ پایان اعتبار")
    covers_credentials = models.BooleanField("اختیار گرفتن نام کاربری و گذرواژه", default=False)

    class Meta:
        verbose_name = "وکالتنامه"
        verbose_name_plural = "وکالتنامه‌ها"
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__gte=models.F("document_date")),
                                   name="attorney_expiry_after_date"),
            models.CheckConstraint(condition=Q(attorney_national_code__regex=r"^[0-9]{10}$"),
                                   name="attorney_code_ten_digits"),
        ]

    def __str__(self) -> str:
        return f"وکالتنامه {self.document_number} — {self.attorney_name}"

    @property
    def attorney_name(self) -> str:
        return f"{self.attorney_first_name} {self.attorney_last_name}"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "پیش‌نویس"
    REGISTERED = "registered", "ثبت‌شده در دبیرخانه، در انتظار تأیید رئیس شعبه"
    APPROVED = "approved", "تأییدشده، در انتظار تخصیص"
    ISSUED = "issued", "نامه صادرشده، در انتظار تحویل"
    DELIVERED = "delivered", "تحویل‌شده"
    REJECTED = "rejected", "ردشده"
    CANCELLED = "cancelled", "لغوشده"


class Applicant(models.TextChoices):
    INSURED = "insured", "خود بیمه‌شده"
    ATTORNEY = "attorney", "وکیل بیمه‌شده"


class RequestKind(models.TextChoices):
    FIRST = "first", "صدور نخستین نام کاربری و گذرواژه"
    REISSUE = "reissue", "صدور دوباره گذرواژه (گم‌شده یا فراموش‌شده)"


OPEN_STATUSES = [RequestStatus.DRAFT, RequestStatus.REGISTERED, RequestStatus.APPROVED, RequestStatus.ISSUED]
NUMBERED_STATUSES = [RequestStatus.REGISTERED, RequestStatus.APPROVED, RequestStatus.ISSUED,
                     RequestStatus.DELIVERED, RequestStatus.REJECTED]


class CredentialRequest(models.Model):
    """A written request for portal credentials, from draft to the letter in the applicant's hands."""

    number = models.CharField("شماره درخواست", max_length=12, unique=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="credential_requests")
    insured = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="credential_requests")
    kind = models.CharField("نوع درخواست", max_length=8, choices=RequestKind.choices)
    applicant = models.CharField("درخواست‌دهنده", max_length=8, choices=Applicant.choices)
    power_of_attorney = models.ForeignKey(PowerOfAttorney, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="requests")
    # The person at the counter: the insured, or the attorney. NOT NULL, so no request exists unchecked.
    identity_check = models.ForeignKey(IdentityCheck, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("وضعیت", max_length=12, choices=RequestStatus.choices, default=RequestStatus.DRAFT)
    prepared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="تهیه‌کننده")
    created_at = models.DateTimeField("زمان تهیه", default=timezone.now)

    # The secretariat register: Jalali year and gap-free sequence per branch and year.
    secretariat_year = models.PositiveSmallIntegerField("سال دبیرخانه", null=True, blank=True)
    secretariat_sequence = models.PositiveIntegerField("ردیف دبیرخانه", null=True, blank=True)
    registered_at = models.DateTimeField("تاریخ ثبت در دبیرخانه", null=True, blank=True)
    registered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("زمان تصمیم", null=True, blank=True)
    reason = models.TextField("دلیل رد یا لغو", blank=True)

    username = models.CharField("نام کاربری تخصیص‌یافته", max_length=150, blank=True)
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("زمان صدور نامه", null=True, blank=True)

    delivered_to = models.CharField("تحویل‌گیرنده", max_length=8, choices=Applicant.choices, blank=True)
    delivery_check = models.ForeignKey(IdentityCheck, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    copy2_handed_over = models.BooleanField("نسخه دوم فرم تحویل شد", default=False)
    delivered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delivered_at = models.DateTimeField("زمان تحویل", null=True, blank=True)

    class Meta:
        verbose_name = "درخواست نام کاربری و گذرواژه"
        verbose_name_plural = "درخواست‌های نام کاربری و گذرواژه"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="credential_status_known"),
            models.CheckConstraint(
                condition=Q(applicant=Applicant.INSURED, power_of_attorney__isnull=True)
                | Q(applicant=Applicant.ATTORNEY, power_of_attorney__isnull=False),
                name="attorney_request_has_power_of_attorney",
            ),
            # A request past the draft carries its secretariat number; a draft never has one.
            models.CheckConstraint(
                condition=Q(status=RequestStatus.DRAFT, secretariat_sequence__isnull=True)
                | Q(status__in=NUMBERED_STATUSES, secretariat_sequence__isnull=False,
                    secretariat_year__isnull=False, registered_at__isnull=False)
                | Q(status=RequestStatus.CANCELLED),
                name="registered_request_has_secretariat_number",
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.DELIVERED) | Q(copy2_handed_over=True, delivery_check__isnull=False),
                name="delivery_recorded_in_full",
            ),
            models.UniqueConstraint(fields=["branch", "secretariat_year", "secretariat_sequence"],
                                    name="secretariat_number_unique"),
            # One request at a time per person: two letters in flight would mean two live passwords.
            models.UniqueConstraint(fields=["insured"], condition=Q(status__in=OPEN_STATUSES),
                                    name="one_open_credential_request"),
        ]
        indexes = [models.Index(fields=["branch", "status", "registered_at"], name="credential_queue_idx")]

    def __str__(self) -> str:
        return f"درخواست {self.number}"

    @property
    def secretariat_number(self) -> str:
        """E.g. 1405/2104/000123: Jalali year / branch code / sequence of that branch and year."""
        if self.secretariat_sequence is None:
            return ""
        return f"{self.secretariat_year}/{self.branch.code}/{self.secretariat_sequence:06d}"

    @property
    def secretariat_number_fa(self) -> str:
        return to_persian_digits(self.secretariat_number)

    @property
    def applicant_name(self) -> str:
        if self.applicant == Applicant.ATTORNEY and self.power_of_attorney is not None:
            return self.power_of_attorney.attorney_name
        return self.insured.full_name


class RequestHistory(models.Model):
    """One row per move of a request: the timeline on its page. The audit trail holds the same moves
    organisation-wide; this table is the request's own, small and ordered."""

    request = models.ForeignKey(CredentialRequest, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField("از وضعیت", max_length=12, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField("به وضعیت", max_length=12, choices=RequestStatus.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("زمان", default=timezone.now)
    note = models.TextField("توضیح", blank=True)

    class Meta:
        verbose_name = "گام درخواست"
        verbose_name_plural = "گام‌های درخواست"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request.number}: {self.from_status or '—'} → {self.to_status}"
