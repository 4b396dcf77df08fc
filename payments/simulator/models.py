"""The PSP's side of the world: terminals and their scenario knobs, test cards, transactions, the SMS inbox of
dynamic passwords, and an append-only log of everything the PSP received and did.

Times on transactions are the terminal's virtual clock (real time plus the scenario's offset), so a tester can
jump past the 20/30/50/60-minute windows in seconds.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Terminal(models.Model):
    class Psp(models.TextChoices):
        SEP = "sep", "سامان (SEP، REST/JSON)"
        MELLAT = "mellat", "به‌پرداخت ملت (SOAP)"

    class CallbackStyle(models.TextChoices):
        V41 = "v4.1", "نسخه ۴٫۱: GET با Token و RefNum"
        V33 = "v3.3", "نسخه ۳٫۳: POST با همه فیلدها"

    # Which protocol this terminal speaks: its own paths, fields, codes and windows.
    psp = models.CharField(max_length=8, choices=Psp.choices, default=Psp.SEP)
    # SEP sends TerminalId as text in the token call and TerminalNumber as Int64 elsewhere; Mellat a long.
    terminal_id = models.CharField(max_length=18, unique=True)
    merchant_name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    callback_style = models.CharField(max_length=4, choices=CallbackStyle.choices, default=CallbackStyle.V41)
    allowed_ips = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated merchant server addresses; empty allows any."
    )
    # Mellat's web-service credentials (userName, userPassword); SEP needs none.
    username = models.CharField(max_length=50, blank=True)
    password = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["terminal_id"]

    def __str__(self) -> str:
        return f"{self.terminal_id} {self.merchant_name}"

    def allows(self, address: str | None) -> bool:
        listed = [ip.strip() for ip in self.allowed_ips.split(",") if ip.strip()]
        return not listed or address in listed


class Scenario(models.Model):
    """Per-terminal switches a tester flips to reproduce payments.md §8's failures. All off by default."""

    class CallbackMode(models.TextChoices):
        NORMAL = "normal", "عادی"
        DROP = "drop", "نرسیدن بازگشت (پرداخت‌کننده مرورگر را می‌بندد)"
        TWICE = "twice", "دو بار، پشت سر هم"
        TWICE_CONCURRENT = "twice_concurrent", "دو بار، هم‌زمان"

    class Tamper(models.TextChoices):
        NONE = "none", "بدون دستکاری"
        AMOUNT = "amount", "مبلغ (Amount)"
        RES_NUM = "res_num", "شماره سفارش (ResNum)"
        STATE = "state", "وضعیت (State=OK)"

    class VerifyFault(models.TextChoices):
        NONE = "none", "بدون خطا"
        COMMIT_THEN_502 = "commit_then_502", "تأیید انجام شود، سپس HTTP 502"
        COMMIT_THEN_CLOSE = "commit_then_close", "تأیید انجام شود، سپس قطع ارتباط"
        HTTP_500 = "http_500", "HTTP 500 بدون انجام تأیید"
        MALFORMED_JSON = "malformed_json", "تأیید انجام شود، پاسخ JSON خراب"

    terminal = models.OneToOneField(Terminal, on_delete=models.CASCADE, primary_key=True, related_name="scenario")
    # The PSP's token service is down (HTTP 503): the merchant should fail over to its next gateway.
    token_unavailable = models.BooleanField(default=False)
    clock_offset_seconds = models.BigIntegerField(default=0)
    dynamic_password_seconds = models.PositiveIntegerField(default=120)
    callback_delay_seconds = models.PositiveIntegerField(default=0)
    callback_mode = models.CharField(max_length=20, choices=CallbackMode.choices, default=CallbackMode.NORMAL)
    callback_tamper = models.CharField(max_length=10, choices=Tamper.choices, default=Tamper.NONE)
    receipt_unavailable = models.BooleanField(default=False)
    verify_delay_seconds = models.PositiveIntegerField(default=0)
    verify_fault = models.CharField(max_length=20, choices=VerifyFault.choices, default=VerifyFault.NONE)
    # The fault hits this many verify calls, then switches itself off, so the merchant's retry can succeed.
    verify_fault_remaining = models.PositiveIntegerField(default=1)
    duplicate_without_detail = models.BooleanField(default=False)
    affective_discount_rial = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"scenario of {self.terminal_id}"


class TestCard(models.Model):
    """A card the simulated issuer knows. Its data decide the outcome: balance, expiry, daily limit."""

    __test__ = False  # not a pytest test class, whatever its name says

    pan = models.CharField(max_length=16, unique=True)
    label = models.CharField(max_length=60)  # what the card is for, shown on the help page
    holder = models.CharField(max_length=60)
    mobile = models.CharField(max_length=11)  # where its dynamic passwords go
    cvv2 = models.CharField(max_length=4)
    expiry_year = models.PositiveSmallIntegerField()  # Jalali, four digits
    expiry_month = models.PositiveSmallIntegerField()
    pin2 = models.CharField(max_length=12)  # the static second password; a dynamic one works too
    balance_rial = models.BigIntegerField()
    daily_limit_rial = models.PositiveBigIntegerField()
    issuer_available = models.BooleanField(default=True)
    issuer_delay_seconds = models.PositiveIntegerField(default=0)
    failed_pin_attempts = models.PositiveSmallIntegerField(default=0)
    locked = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.pan} {self.label}"

    @property
    def masked_pan(self) -> str:
        return f"{self.pan[:6]}******{self.pan[-4:]}"


class TransactionStatus(models.TextChoices):
    """The PSP's ledger states (payments.md §10)."""

    IN_PROGRESS = "in_progress", "در جریان"
    OK = "ok", "پرداخت‌شده، تأییدنشده"
    VERIFIED = "verified", "تأییدشده"
    REVERSED = "reversed", "برگشت‌خورده به درخواست پذیرنده"
    AUTO_REVERSED = "auto_reversed", "برگشت خودکار (تأیید نشد)"
    CANCELLED = "cancelled", "لغو به دست پرداخت‌کننده"
    FAILED = "failed", "ناموفق"


class Transaction(models.Model):
    Status = TransactionStatus

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="transactions")
    token = models.CharField(max_length=32, unique=True)
    res_num = models.CharField(max_length=50)
    amount = models.PositiveBigIntegerField()
    redirect_url = models.CharField(max_length=2083)
    cell_number = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    # SEP's status number: 1 CanceledByUser, 2 OK, 3 Failed, 4 SessionIsNull; null while in progress (a Mellat
    # terminal derives its ResCode from the status and the failure reason).
    sep_status = models.SmallIntegerField(null=True, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)  # Mellat: deposit requested after verify
    card = models.ForeignKey(TestCard, on_delete=models.SET_NULL, null=True, blank=True, related_name="transactions")
    masked_pan = models.CharField(max_length=16, blank=True)
    hashed_pan = models.CharField(max_length=64, blank=True)
    ref_num = models.CharField(max_length=50, null=True, blank=True, unique=True)
    rrn = models.CharField(max_length=12, blank=True)
    trace_no = models.CharField(max_length=6, blank=True)
    affective_amount = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # ResNum / orderId is unique per terminal: SEP gives a repeat the same token back, Mellat refuses it.
            models.UniqueConstraint(fields=["terminal", "res_num"], name="psp_sim_res_num_once_per_terminal"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="psp_sim_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=TransactionStatus.values), name="psp_sim_status_known"),
        ]
        # The PSP's timers (sweep) look only at open and unverified transactions: a few among all it ever took.
        indexes = [models.Index(fields=["terminal", "status"], name="psp_sim_open_idx",
                                condition=Q(status__in=[TransactionStatus.IN_PROGRESS, TransactionStatus.OK]))]

    def __str__(self) -> str:
        return f"{self.token} {self.status}"

    @property
    def held_rial(self) -> int:
        """What the card was charged (the affective amount, after any discount)."""
        return self.affective_amount if self.affective_amount is not None else self.amount


class DynamicPassword(models.Model):
    """A single-use second password, "sent" by SMS: the inbox page lists these like a phone would."""

    card = models.ForeignKey(TestCard, on_delete=models.CASCADE, related_name="dynamic_passwords")
    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="dynamic_passwords")
    code = models.CharField(max_length=8)
    text = models.TextField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"dynamic password for {self.card.masked_pan}"


class Event(models.Model):
    """Append-only: each request the PSP received and each change it made, with the card-balance effect."""

    at = models.DateTimeField()  # the terminal's virtual clock when there is a terminal, else real time
    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    transaction = models.ForeignKey(
        Transaction, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=30)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    answer = models.JSONField(default=dict, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    balance_change_rial = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"
