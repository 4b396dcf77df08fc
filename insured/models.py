"""The insured person and their ledger: contracts, the rate tables, paid months and yearly statements."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from insured import rules
from samt.fields import JalaliMonthField
from samt.jalali import TEHRAN
from samt.models import Branch, User


def new_public_code() -> str:
    """A slip's public code: 128 random bits, URL-safe (22 characters), so one printed slip tells nothing about
    any other. The QR, the public check and the pay-without-login page find a slip by it."""
    return secrets.token_urlsafe(16)


PUBLIC_CODE_LENGTH = 32


class Scheme(models.TextChoices):
    SELF_EMPLOYED = "self_employed", "صاحبان حرف و مشاغل آزاد"
    VOLUNTARY = "voluntary", "ادامه بیمه به طور اختیاری"


class RateCode(models.TextChoices):
    SELF_EMPLOYED_12 = "01", "مشاغل آزاد — نرخ ۱۲٪ (بازنشستگی و فوت پس از بازنشستگی)"
    SELF_EMPLOYED_14 = "02", "مشاغل آزاد — نرخ ۱۴٪ (بازنشستگی و فوت)"
    SELF_EMPLOYED_18 = "03", "مشاغل آزاد — نرخ ۱۸٪ (بازنشستگی، ازکارافتادگی و فوت)"
    VOLUNTARY = "VOL", "بیمه اختیاری — نرخ ۲۷٪"


SCHEME_OF_RATE: dict[str, str] = {
    RateCode.SELF_EMPLOYED_12: Scheme.SELF_EMPLOYED,
    RateCode.SELF_EMPLOYED_14: Scheme.SELF_EMPLOYED,
    RateCode.SELF_EMPLOYED_18: Scheme.SELF_EMPLOYED,
    RateCode.VOLUNTARY: Scheme.VOLUNTARY,
}


class WageTable(models.Model):
    """Minimum and ceiling daily wage from a month on. Effective-dated: 1399 changed in Tir."""

    effective_from = JalaliMonthField("از ماه", unique=True)
    min_daily = models.PositiveBigIntegerField("حداقل دستمزد روزانه (ریال)")
    ceiling_daily = models.PositiveBigIntegerField("سقف دستمزد روزانه (ریال)")
    source = models.CharField("مأخذ", max_length=255, blank=True)

    class Meta:
        verbose_name = "حداقل و سقف دستمزد"
        verbose_name_plural = "جدول حداقل و سقف دستمزد"
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(min_daily__gt=0), name="wage_min_positive"),
            models.CheckConstraint(condition=Q(ceiling_daily__gte=models.F("min_daily")), name="wage_ceiling_over_min"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}: {self.min_daily:,}"


class TreatmentFee(models.Model):
    """Per-capita treatment fee (سرانه درمان) per person per month of a year, in force from a day on.

    Rows are never changed once written: a slip priced with one keeps its figure. A correction of a year is a new
    row with its reason, in force from its day; what a day's calculator, quotes and slips use is the year's newest
    row in force that day, and the year's statements use the newest of all, which settles the difference.
    """

    year = models.PositiveSmallIntegerField("سال")
    effective_from = models.DateField("اجرا از تاریخ")
    per_capita_monthly = models.PositiveBigIntegerField("سرانه ماهانه هر نفر (ریال)")
    source = models.CharField("مأخذ", max_length=255, blank=True)
    reason = models.TextField("علت ثبت یا اصلاح")
    recorded_at = models.DateTimeField("زمان ثبت", default=timezone.now)

    class Meta:
        verbose_name = "سرانه درمان"
        verbose_name_plural = "سرانه‌های درمان"
        ordering = ["-year", "-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(per_capita_monthly__gt=0), name="per_capita_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="per_capita_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.year} از {self.effective_from}: {self.per_capita_monthly:,}"


class SchemeRate(models.Model):
    """The insured's share for a rate code from a month on (basis points: 1200 = 12 %)."""

    rate_code = models.CharField("کد نرخ", max_length=3, choices=RateCode.choices)
    effective_from = JalaliMonthField("از ماه")
    rate_bp = models.PositiveIntegerField(
        "نرخ (صدم درصد)", validators=[MinValueValidator(1), MaxValueValidator(rules.RATE_BASIS)]
    )

    class Meta:
        verbose_name = "نرخ حق بیمه"
        verbose_name_plural = "نرخ‌های حق بیمه"
        ordering = ["rate_code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["rate_code", "effective_from"], name="one_rate_per_code_and_month"),
            models.CheckConstraint(condition=Q(rate_bp__gt=0, rate_bp__lte=rules.RATE_BASIS), name="rate_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.rate_code} از {self.effective_from}: {Decimal(self.rate_bp) / 100}%"


class Gender(models.TextChoices):
    FEMALE = "F", "زن"
    MALE = "M", "مرد"


class InsuredPerson(models.Model):
    national_code = models.CharField("کد ملی", max_length=10, unique=True)
    insurance_number = models.CharField(
        "شماره بیمه", max_length=10, unique=True, validators=[RegexValidator(r"^[0-9]{8,10}$")]
    )
    first_name = models.CharField("نام", max_length=64)
    last_name = models.CharField("نام خانوادگی", max_length=64)
    search_key = models.CharField(max_length=160, db_index=True, editable=False)
    father_name = models.CharField("نام پدر", max_length=64)
    birth_date = models.DateField("تاریخ تولد")
    gender = models.CharField("جنسیت", max_length=1, choices=Gender.choices)
    mobile = models.CharField("تلفن همراه", max_length=11, blank=True)
    # Reminders (a lapse coming) can be turned off by the person; texts about what happened to them cannot. A
    # database default, because the legacy import writes rows with raw INSERT/COPY.
    sms_reminders = models.BooleanField("پیامک یادآوری", default=True, db_default=True)
    address = models.CharField("نشانی", max_length=255, blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="insured_people", verbose_name="شعبه")
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="insured_person", verbose_name="حساب"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "بیمه‌شده"
        verbose_name_plural = "بیمه‌شدگان"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(condition=Q(national_code__regex=r"^[0-9]{10}$"), name="national_code_ten_digits"),
            models.CheckConstraint(
                condition=Q(insurance_number__regex=r"^[0-9]{8,10}$"), name="insurance_number_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def audit_place(self) -> tuple[int, int]:
        if InsuredPerson.branch.is_cached(self):  # read with the person already: no query
            return self.branch_id, self.branch.province_id
        return persons_place(pk=self.pk)


def persons_place(**path: object) -> tuple[int, int]:
    """The branch and province of the person a row belongs to (`path` leads from InsuredPerson to the row): the
    audit trail files every event about their records there (samt.audit.PersonsRecord)."""
    return InsuredPerson.objects.filter(**path).values_list("branch_id", "branch__province_id").get()


class Dependant(models.Model):
    class Relation(models.TextChoices):
        SPOUSE = "spouse", "همسر"
        CHILD = "child", "فرزند"
        PARENT = "parent", "پدر یا مادر"

    insured = models.ForeignKey(InsuredPerson, on_delete=models.CASCADE, related_name="dependants")
    first_name = models.CharField("نام", max_length=64)
    last_name = models.CharField("نام خانوادگی", max_length=64)
    national_code = models.CharField("کد ملی", max_length=10)
    relation = models.CharField("نسبت", max_length=8, choices=Relation.choices)

    class Meta:
        verbose_name = "فرد تحت تکفل"
        verbose_name_plural = "افراد تحت تکفل"
        constraints = [
            models.UniqueConstraint(fields=["insured", "national_code"], name="dependant_once_per_insured"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_relation_display()})"


class ContractStatus(models.TextChoices):
    ACTIVE = "active", "فعال"
    LAPSED = "lapsed", "باطل به دلیل عدم پرداخت"
    CANCELLED = "cancelled", "لغو شده"


class Contract(models.Model):
    number = models.CharField("شماره قرارداد", max_length=12, unique=True)
    insured = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="contracts")
    scheme = models.CharField("نوع بیمه", max_length=16, choices=Scheme.choices)
    rate_code = models.CharField("کد نرخ", max_length=3, choices=RateCode.choices)
    wage_ratio_hundredths = models.PositiveSmallIntegerField(
        "نسبت دستمزد به حداقل (صدم)",
        validators=[MinValueValidator(rules.MIN_RATIO), MaxValueValidator(rules.MAX_RATIO)],
    )
    first_month = JalaliMonthField("نخستین ماه")
    treatment = models.BooleanField("درمان", default=False)
    status = models.CharField("وضعیت", max_length=16, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)
    lapse_extension_used = models.BooleanField("مهلت چهارماهه داده شده", default=False)
    # A lapsed person's new contract names the one it follows: their history and paid months stay on record.
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by", verbose_name="قرارداد پیشین")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "قرارداد"
        verbose_name_plural = "قراردادها"
        constraints = [
            models.CheckConstraint(
                condition=Q(wage_ratio_hundredths__gte=rules.MIN_RATIO, wage_ratio_hundredths__lte=rules.MAX_RATIO),
                name="wage_ratio_between_one_and_seven",
            ),
            models.CheckConstraint(
                condition=Q(scheme=Scheme.VOLUNTARY, rate_code=RateCode.VOLUNTARY)
                | Q(scheme=Scheme.SELF_EMPLOYED, rate_code__in=["01", "02", "03"]),
                name="rate_code_fits_scheme",
            ),
            models.CheckConstraint(condition=Q(status__in=ContractStatus.values), name="contract_status_known"),
            # The voluntary rate already buys treatment; per-capita is only for self-employed who choose it.
            models.CheckConstraint(condition=~Q(scheme=Scheme.VOLUNTARY, treatment=True),
                                   name="voluntary_has_no_separate_treatment"),
            models.UniqueConstraint(
                fields=["insured"], condition=Q(status=ContractStatus.ACTIVE), name="one_active_contract_per_insured"
            ),
        ]

    def __str__(self) -> str:
        return f"قرارداد {self.number}"

    def audit_place(self) -> tuple[int, int]:
        if Contract.insured.is_cached(self):
            return self.insured.audit_place()
        return persons_place(contracts=self.pk)

    @property
    def wage_ratio(self) -> Decimal:
        return Decimal(self.wage_ratio_hundredths) / rules.RATIO_BASIS


# Months paid in the system before this portal carry this word instead of a slip number (import_insured, demo).
LEGACY_SLIP_NUMBER = "legacy"


def slip_number_label(number: str) -> str:
    """What a person is shown for a month's slip number: the number, or where it was paid before the portal."""
    return "سامانه پیشین" if number == LEGACY_SLIP_NUMBER else number


class CoveredMonth(models.Model):
    """A month paid for. Unique per contract: a month is never covered twice."""

    # No index of its own: the unique (contract, month) constraint's index starts with it (and every payment and
    # every imported month is written faster without a second one).
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="covered_months", db_index=False)
    month = JalaliMonthField("ماه")
    premium = models.PositiveBigIntegerField("حق بیمه (ریال)")
    per_capita = models.PositiveBigIntegerField("سرانه هر نفر (ریال)", default=0)
    persons = models.PositiveSmallIntegerField("تعداد افراد درمان", default=0)
    amount_paid = models.PositiveBigIntegerField("مبلغ پرداخت‌شده (ریال)")
    slip_number = models.CharField("شماره برگ", max_length=16, blank=True)
    slip = models.ForeignKey("Slip", null=True, blank=True, on_delete=models.PROTECT, related_name="covered_months")
    paid_on = models.DateField("تاریخ پرداخت")

    class Meta:
        verbose_name = "ماه پرداخت‌شده"
        verbose_name_plural = "ماه‌های پرداخت‌شده"
        ordering = ["contract", "month"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="month_covered_once"),
            models.CheckConstraint(condition=Q(amount_paid__gt=0), name="covered_month_paid_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.month}"

    @property
    def slip_label(self) -> str:
        return slip_number_label(self.slip_number)


class StatementStatus(models.TextChoices):
    COMPUTED = rules.STATEMENT_COMPUTED, "محاسبه‌شده"
    ISSUED = rules.STATEMENT_ISSUED, "صادرشده، بدهی پرداخت‌نشده"
    SETTLED = rules.STATEMENT_SETTLED, "تسویه‌شده"


class AccountStatement(models.Model):
    """The yearly account statement (گردش حساب) of one contract."""

    # No index of its own: the unique (contract, year) constraint's index starts with it.
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="statements", db_index=False)
    year = models.PositiveSmallIntegerField("سال")
    status = models.CharField("وضعیت", max_length=16, choices=StatementStatus.choices,
                              default=StatementStatus.COMPUTED)
    due_total = models.BigIntegerField("جمع بدهی به نرخ قطعی", default=0)
    paid_total = models.BigIntegerField("جمع پرداختی", default=0)
    balance = models.BigIntegerField("مانده (مثبت: بدهی)", default=0)
    computed_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "گردش حساب"
        verbose_name_plural = "گردش‌های حساب"
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "year"], name="one_statement_per_contract_year"),
            models.CheckConstraint(condition=Q(status__in=StatementStatus.values), name="statement_status_known"),
            models.CheckConstraint(condition=Q(balance=models.F("due_total") - models.F("paid_total")),
                                   name="statement_balance_adds_up"),
        ]

    def __str__(self) -> str:
        return f"گردش حساب {self.year} — {self.contract.number}"

    def audit_place(self) -> tuple[int, int]:
        return persons_place(contracts__statements=self.pk)

    @property
    def credit(self) -> int:
        """What the branch owes back (a negative balance), as a positive amount."""
        return max(-self.balance, 0)


class StatementLine(models.Model):
    # One line per month of a statement, and that is its key: one index serves every lookup by statement (no
    # surrogate id, no sequence and no second index for the year-end batch to write for 8.5 million lines).
    pk = models.CompositePrimaryKey("statement", "month")
    statement = models.ForeignKey(AccountStatement, on_delete=models.CASCADE, related_name="lines", db_index=False)
    month = JalaliMonthField("ماه")
    days = models.PositiveSmallIntegerField("روز")
    daily_wage_base = models.PositiveBigIntegerField("دستمزد روزانه مبنا")
    rate_bp = models.PositiveIntegerField("نرخ (صدم درصد)")
    premium_due = models.PositiveBigIntegerField("حق بیمه به نرخ قطعی")
    per_capita_due = models.PositiveBigIntegerField("سرانه درمان به نرخ قطعی", default=0)
    amount_paid = models.PositiveBigIntegerField("پرداختی")
    slip_number = models.CharField("شماره برگ", max_length=16, blank=True)
    difference = models.BigIntegerField("تفاوت")

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.month}"

    @property
    def credit(self) -> int:
        return max(-self.difference, 0)

    @property
    def slip_label(self) -> str:
        return slip_number_label(self.slip_number)


class DebtSlipStatus(models.TextChoices):
    ISSUED = "issued", "صادرشده"
    PAID = "paid", "پرداخت‌شده"
    VOIDED = "voided", "باطل‌شده"


class DebtSlip(models.Model):
    """برگ بدهی ایام گذشته: the branch's bill for a statement's positive balance (clause 6)."""

    number = models.CharField("شماره برگ بدهی", max_length=16, unique=True)
    public_code = models.CharField("کد عمومی برگ", max_length=PUBLIC_CODE_LENGTH, unique=True,
                                   default=new_public_code, editable=False)
    statement = models.ForeignKey(AccountStatement, on_delete=models.PROTECT, related_name="debt_slips")
    amount = models.PositiveBigIntegerField("مبلغ (ریال)")
    status = models.CharField("وضعیت", max_length=8, choices=DebtSlipStatus.choices, default=DebtSlipStatus.ISSUED)
    issued_at = models.DateTimeField(default=timezone.now)
    # Empty when the year-end run issued it: the system, on behalf of `branch` (the person's branch).
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="به نمایندگی از شعبه")
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField("شماره رسید پرداخت", max_length=64, blank=True)

    class Meta:
        verbose_name = "برگ بدهی ایام گذشته"
        verbose_name_plural = "برگ‌های بدهی ایام گذشته"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="debt_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=DebtSlipStatus.values), name="debt_status_known"),
            models.UniqueConstraint(fields=["statement"], condition=Q(status="issued"),
                                    name="one_open_debt_slip_per_statement"),
            models.UniqueConstraint(fields=["payment_reference"], condition=~Q(payment_reference=""),
                                    name="debt_payment_reference_once"),
            models.CheckConstraint(condition=Q(issued_by__isnull=False) | Q(branch__isnull=False),
                                   name="debt_slip_names_its_issuer"),
        ]

    def __str__(self) -> str:
        return f"برگ بدهی {self.number}"

    def audit_place(self) -> tuple[int, int]:
        return persons_place(contracts__statements__debt_slips=self.pk)


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "در انتظار بررسی شعبه"
    ANSWERED = "answered", "پاسخ داده شده"


class StatementObjection(models.Model):
    """«این درست نیست»: the insured disputes a statement; the branch answers it from its work list."""

    statement = models.ForeignKey(AccountStatement, on_delete=models.PROTECT, related_name="objections")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("شرح اعتراض", max_length=2000)
    status = models.CharField("وضعیت", max_length=8, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField("پاسخ شعبه", blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "اعتراض به گردش حساب"
        verbose_name_plural = "اعتراض‌های گردش حساب"
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ObjectionStatus.values), name="objection_status_known"),
            models.UniqueConstraint(fields=["statement"], condition=Q(status="open"),
                                    name="one_open_objection_per_statement"),
        ]

    def __str__(self) -> str:
        return f"اعتراض به {self.statement}"

    def audit_place(self) -> tuple[int, int]:
        return persons_place(contracts__statements__objections=self.pk)


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", "در انتظار تأیید رئیس شعبه"
    APPROVED = "approved", "تأییدشده"
    REJECTED = "rejected", "ردشده"


class LapseExtension(models.Model):
    """The one-time extension of the lapse window from three to four months (domain.md §3): prepared by the
    branch's staff, approved by its head, a different person."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="extensions")
    reason = models.TextField("دلیل", max_length=1000)
    status = models.CharField("وضعیت", max_length=10, choices=ExtensionStatus.choices,
                              default=ExtensionStatus.REQUESTED)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField("یادداشت رئیس شعبه", blank=True)

    class Meta:
        verbose_name = "مهلت چهارماهه"
        verbose_name_plural = "مهلت‌های چهارماهه"
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ExtensionStatus.values), name="extension_status_known"),
            # Once per contract: one approved, and never two waiting at once.
            models.UniqueConstraint(fields=["contract"], condition=Q(status="approved"),
                                    name="one_extension_per_contract"),
            models.UniqueConstraint(fields=["contract"], condition=Q(status="requested"),
                                    name="one_open_extension_request_per_contract"),
            models.CheckConstraint(condition=~Q(decided_by=models.F("requested_by")),
                                   name="extension_decided_by_another"),
        ]

    def __str__(self) -> str:
        return f"مهلت چهارماهه {self.contract.number}"

    def audit_place(self) -> tuple[int, int]:
        return persons_place(contracts__extensions=self.pk)


class Channel(models.TextChoices):
    ONLINE = "online", "اینترنتی (خود بیمه‌شده)"
    BRANCH = "branch", "باجه شعبه"
    BROKER = "broker", "کارگزاری رسمی"


class SlipStatus(models.TextChoices):
    ISSUED = "issued", "صادرشده، در انتظار پرداخت"
    PAID = "paid", "پرداخت‌شده"
    EXPIRED = "expired", "منقضی‌شده"
    VOIDED = "voided", "باطل‌شده با برگ تازه"


class Slip(models.Model):
    """برگ پرداخت حق بیمه: whole consecutive months of one contract, payable until the end of the Jalali
    month it was issued in."""

    number = models.CharField("شماره برگ", max_length=16, unique=True)
    public_code = models.CharField("کد عمومی برگ", max_length=PUBLIC_CODE_LENGTH, unique=True,
                                   default=new_public_code, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="slips")
    channel = models.CharField("راه صدور", max_length=8, choices=Channel.choices)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="صادرکننده")
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey("samt.BrokerOffice", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="slips")
    first_month = JalaliMonthField("از ماه")
    last_month = JalaliMonthField("تا ماه")
    total = models.PositiveBigIntegerField("مبلغ کل (ریال)")
    issued_at = models.DateTimeField("زمان صدور", default=timezone.now)
    payable_until = models.DateField("مهلت پرداخت")
    status = models.CharField("وضعیت", max_length=8, choices=SlipStatus.choices, default=SlipStatus.ISSUED)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A form carries one key; a double submit of it gets the slip the first submit made.
    request_key = models.CharField(max_length=64, blank=True)
    paid_at = models.DateTimeField("زمان پرداخت", null=True, blank=True)
    payment_reference = models.CharField("شناسه پرداخت بانک", max_length=64, blank=True)

    class Meta:
        verbose_name = "برگ پرداخت حق بیمه"
        verbose_name_plural = "برگ‌های پرداخت حق بیمه"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="slip_total_positive"),
            models.CheckConstraint(condition=Q(last_month__gte=models.F("first_month")), name="slip_months_ordered"),
            models.CheckConstraint(condition=Q(status__in=SlipStatus.values), name="slip_status_known"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="slip_channel_known"),
            models.CheckConstraint(
                condition=~Q(status=SlipStatus.PAID) | (Q(paid_at__isnull=False) & ~Q(payment_reference="")),
                name="paid_slip_has_payment",
            ),
            models.UniqueConstraint(fields=["payment_reference"], condition=~Q(payment_reference=""),
                                    name="slip_payment_reference_once"),
            models.UniqueConstraint(fields=["contract", "request_key"], condition=~Q(request_key=""),
                                    name="slip_request_key_once"),
        ]

    def __str__(self) -> str:
        return f"برگ {self.number}"

    def audit_place(self) -> tuple[int, int]:
        # Issuing and crediting read the contract, the person and their branch already (under the locks).
        if Slip.contract.is_cached(self):
            return self.contract.audit_place()
        return persons_place(contracts__slips=self.pk)

    def is_payable(self, at: datetime | None = None) -> bool:
        """Unpaid, not superseded, and still inside its deadline (a Tehran calendar day)."""
        today = timezone.localtime(at or timezone.now(), TEHRAN).date()
        return self.status == SlipStatus.ISSUED and today <= self.payable_until

    @property
    def effective_status(self) -> str:
        """What people are told: an unpaid slip past its deadline is expired even before anything marks it."""
        if self.status == SlipStatus.ISSUED and not self.is_payable():
            return SlipStatus.EXPIRED
        return self.status

    @property
    def effective_status_label(self) -> str:
        return SlipStatus(self.effective_status).label


class SlipLine(models.Model):
    """One month of a slip. `live` is true while the slip is unpaid-and-valid or paid, so the database
    itself refuses a month on two live slips of one contract."""

    slip = models.ForeignKey(Slip, on_delete=models.CASCADE, related_name="lines")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+")
    month = JalaliMonthField("ماه")
    days = models.PositiveSmallIntegerField("روز")
    min_daily = models.PositiveBigIntegerField("حداقل دستمزد روزانه")
    daily_wage_base = models.PositiveBigIntegerField("دستمزد روزانه مبنا")
    capped = models.BooleanField("به سقف رسیده", default=False)
    rate_bp = models.PositiveIntegerField("نرخ (صدم درصد)")
    premium = models.PositiveBigIntegerField("حق بیمه")
    per_capita = models.PositiveBigIntegerField("سرانه هر نفر", default=0)
    persons = models.PositiveSmallIntegerField("تعداد افراد درمان", default=0)
    amount = models.PositiveBigIntegerField("مبلغ ماه")
    live = models.BooleanField(default=True)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["slip", "month"], name="slip_month_once"),
            models.UniqueConstraint(fields=["contract", "month"], condition=Q(live=True),
                                    name="month_on_one_live_slip"),
            models.CheckConstraint(
                condition=Q(amount=models.F("premium") + models.F("per_capita") * models.F("persons")),
                name="slip_line_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slip_id} {self.month}"


class Gate(models.TextChoices):
    """What turned a person away online or at a broker office, so the branch knows who will come and why."""

    INACTIVE = "inactive", "قرارداد غیرفعال"
    LAPSED = "lapsed", "باطل شدن به دلیل عدم پرداخت"
    STATEMENT = "statement", "گردش حساب سال گذشته (محاسبه‌نشده یا بدهکار)"
    RATES = "rates", "ارقام پایه ثبت‌نشده (دستمزد، نرخ یا سرانه)"


class GateRefusal(models.Model):
    """The demand signal: one row per person, gate, channel and Tehran day on which they were turned away."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+", verbose_name="قرارداد")
    # The person's branch at the time, kept on the row: it is where they will have to go.
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name="شعبه")
    gate = models.CharField("مانع", max_length=16, choices=Gate.choices)
    channel = models.CharField("راه", max_length=8, choices=Channel.choices)
    office = models.ForeignKey("samt.BrokerOffice", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="کارگزاری")
    day = models.DateField("روز")
    at = models.DateTimeField("زمان", default=timezone.now)

    class Meta:
        verbose_name = "مراجعه ناموفق (نشانه تقاضا)"
        verbose_name_plural = "مراجعه‌های ناموفق (نشانه تقاضا)"
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "gate", "channel", "day"], name="gate_refusal_once_a_day"),
            models.CheckConstraint(condition=Q(gate__in=Gate.values), name="gate_refusal_gate_known"),
            models.CheckConstraint(condition=Q(channel__in=[Channel.ONLINE, Channel.BROKER]),
                                   name="gate_refusal_online_or_broker"),
        ]
        indexes = [models.Index(fields=["branch", "day"], name="gate_refusal_branch_day")]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.gate} {self.day}"
