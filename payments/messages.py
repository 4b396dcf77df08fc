"""What a payer is told, in Persian: why a payment ended as it did (an attempt's `failure_reason` is one of the
texts below), and, in `PAYER_NOTICES`, what every state of an attempt means for them: the one table behind every
page that tells a payer about a payment (the result page, the slip pages, the pay-without-login page, a receipt
that cannot be given)."""

from __future__ import annotations

from dataclasses import dataclass

from payments.models import State

SLIP_NOT_PAYABLE = "این برگ قابل پرداخت نیست: یا پرداخت شده، یا مهلتش گذشته، یا با برگ تازه‌تری باطل شده است."
BANK_UNAVAILABLE = "ارتباط با بانک برقرار نشد. چند دقیقه دیگر دوباره تلاش کنید؛ از حساب شما چیزی کم نشده است."
CANCELED = "پرداخت را در صفحه بانک لغو کردید. از حساب شما چیزی کم نشده است."
BANK_DECLINED = (
    "بانک پرداخت را انجام نداد (برای نمونه موجودی کافی نبود یا رمز دوم نادرست بود). اگر مبلغی کم شده باشد، "
    "حداکثر تا ۷۲ ساعت به کارت برمی‌گردد."
)
TOKEN_EXPIRED = "زمان پرداخت در صفحه بانک تمام شد. برگ را دوباره پرداخت کنید."
NOT_FOUND = "بانک چنین پرداختی را تأیید نکرد. اگر مبلغی از کارت شما کم شده، حداکثر تا ۷۲ ساعت برمی‌گردد."
MISMATCH = (
    "اطلاعاتی که بانک فرستاد با این برگ نمی‌خواند، بنابراین پرداخت پذیرفته نشد. اگر مبلغی کم شده باشد به کارت "
    "برمی‌گردد؛ موضوع برای بررسی ثبت شد."
)
PAID_ELSEWHERE = (
    "این برگ با پرداخت دیگری پرداخت شده است. این پرداخت تأیید نشد و اگر مبلغی کم شده باشد، حداکثر تا ۷۲ ساعت "
    "به کارت برمی‌گردد."
)
VERIFY_TOO_LATE = (
    "تأیید پرداخت در مهلت بانک انجام نشد و بانک مبلغ را به کارت برمی‌گرداند. برگ هنوز پرداخت‌نشده است؛ "
    "دوباره پرداخت کنید."
)
GATEWAY_REFUSED = (
    "پرداخت اینترنتی هم‌اکنون ممکن نیست: درگاه بانک درخواست ما را نپذیرفت و موضوع برای پشتیبانی ثبت شد. "
    "از حساب شما چیزی کم نشده است؛ کمی بعد دوباره تلاش کنید."
)
EXPIRED_UNCONFIRMED = (
    "مهلت بانک برای این پرداخت گذشت و پرداخت تأیید نشد. اگر مبلغی از کارت شما کم شده باشد، بانک آن را خودکار "
    "برمی‌گرداند. برگ هنوز پرداخت‌نشده است؛ دوباره پرداخت کنید."
)
REVIEW = "بانک نتیجه این پرداخت را در مهلت خود اعلام نکرد؛ پرونده برای بررسی کارشناس ثبت شد."
REVERSE_FAILED = "بانک برگرداندن مبلغ را در مهلت خود انجام نداد؛ پرونده برای بررسی کارشناس ثبت شد."
PAY_AGAIN_REFUSED = (
    "پرداخت دیگری برای این برگ هنوز نزد بانک روشن نشده است؛ لطفاً دوباره پرداخت نکنید. تا نتیجه آن پرداخت روشن "
    "نشود، پرداخت تازه‌ای برای این برگ آغاز نمی‌شود."
)
# Why an attempt an expert closed ended so (its failure_reason, shown to the payer): the expert's own note stays in
# the event log and the audit trail, for staff.
REVIEW_NO_MONEY_TAKEN = "کارشناس سازمان موضوع را با بانک بررسی کرد: مبلغی از کارت شما برداشته نشده است."
REVIEW_REFUNDED = "کارشناس سازمان پس از بررسی با بانک، مبلغ این پرداخت را به کارت شما برگرداند."
# Refusals of payment_review_close, read by the expert.
REVIEW_NOT_ALLOWED = "بستن بررسی پرداخت با مدیر کل یا کارشناس ارشد امور فنی اداره کل استان این بیمه‌شده است."
REVIEW_NOT_OPEN = "این پرداخت در انتظار بررسی کارشناس نیست؛ شاید کارشناس دیگری آن را پیش‌تر بسته است."
REVIEW_NOTE_REQUIRED = "شرح بررسی را بنویسید: با چه کسی در بانک و چه نتیجه‌ای."
REVIEW_REFERENCE_REQUIRED = "شماره مرجع برگشت وجه را که بانک داده است وارد کنید."
REVIEW_FINDING_UNKNOWN = "نتیجه بررسی را از میان گزینه‌ها برگزینید."
REVIEW_MONEY_WAS_KEPT = (
    "بانک این مبلغ را تأیید کرده و برگرداندن خودکار آن ناموفق مانده است، پس مبلغ از کارت برداشته شده است. "
    "پس از برگرداندن آن به کارت پرداخت‌کننده، نتیجه «برگشت داده شد» را با شماره مرجع برگشت ثبت کنید."
)
OFFICE_NOT_ACTIVE = (
    "پرداخت در این کارگزاری ممکن نیست: وضعیت مجوز کارگزاری «{status}» است. برای پرداخت، بیمه‌شده می‌تواند "
    "خودش برگ را در سامانه بپردازد یا به شعبه مراجعه کند."
)


@dataclass(frozen=True)
class PayerNotice:
    """What one state of an attempt means for its payer: a title, what happened to the payment and the money, and
    what to do next. `tone` is the alert's class (its colour); `shows_reason` adds the attempt's own
    `failure_reason` (why it ended so); `quotes_reference` shows the number to quote to the branch."""

    title: str
    text: str
    next_step: str
    tone: str
    shows_reason: bool = False
    quotes_reference: bool = False


_AT_THE_BANK = PayerNotice(
    title="پرداخت در صفحه بانک نیمه‌تمام است",
    text="پرداختی برای این برگ در صفحه بانک آغاز شده و هنوز تمام نشده است. لطفاً دوباره پرداخت نکنید.",
    next_step=("اگر صفحه بانک هنوز باز است، پرداخت را همان‌جا تمام یا لغو کنید. اگر آن را بسته‌اید، پس از پایان مهلت "
               "صفحه بانک، این برگ دوباره قابل پرداخت می‌شود."),
    tone="alert-warning",
)
_CONFIRMING = PayerNotice(
    title="در حال تأیید پرداخت با بانک",
    text="پرداختی برای این برگ در حال تأیید با بانک است. لطفاً دوباره پرداخت نکنید.",
    next_step=("نتیجه معمولاً در چند دقیقه روشن می‌شود و همین صفحه آن را نشان می‌دهد. اگر مبلغی از کارت شما کم شده و "
               "پرداخت تأیید نشود، بانک آن را خودکار به کارت برمی‌گرداند."),
    tone="alert-warning",
)
_REVIEW_NEXT = ("لطفاً دوباره پرداخت نکنید. کارشناس سازمان پرونده را بررسی می‌کند؛ برای پیگیری، شماره پیگیری زیر را به "
                "شعبه تأمین اجتماعی خود اعلام کنید.")


def _not_paid(text: str, *, title: str = "پرداخت انجام نشد") -> PayerNotice:
    """An attempt that ended without the money being ours: the slip is still unpaid, and may be paid again."""
    return PayerNotice(title=title, text=text, next_step="اگر برگ هنوز قابل پرداخت است، می‌توانید دوباره بپردازید.",
                       tone="alert-danger", shows_reason=True)


def _in_review(text: str) -> PayerNotice:
    """An attempt left to an expert: not to be paid again, with the number to quote to the branch."""
    return PayerNotice(title="پرداخت برای بررسی کارشناس ثبت شد", text=text, next_step=_REVIEW_NEXT,
                       tone="alert-warning", quotes_reference=True)

# (state, whether the PSP is known to have kept the payer's money) -> what the payer is told. The second part
# matters only for a manual review: a failed reverse (the money was verified and the PSP kept it) reads
# differently from a verify that was never answered (the money may or may not have been taken). Everywhere
# else it is None: the state alone says it.
PAYER_NOTICES: dict[tuple[str, bool | None], PayerNotice] = {
    (State.CREATED, None): _AT_THE_BANK,
    (State.REDIRECTED, None): _AT_THE_BANK,
    (State.CHECKING, None): _CONFIRMING,
    (State.VERIFYING, None): _CONFIRMING,
    (State.VERIFY_UNKNOWN, None): _CONFIRMING,
    (State.REVERSE_PENDING, None): PayerNotice(
        title="مبلغ در حال برگشت به کارت است",
        text="این پرداخت پذیرفته نشد و مبلغ آن در حال برگشت به کارت شماست. لطفاً تا پایان آن دوباره پرداخت نکنید.",
        next_step=("برگشت مبلغ معمولاً در چند دقیقه انجام می‌شود؛ پس از آن، اگر برگ هنوز قابل پرداخت باشد، می‌توانید "
                   "دوباره بپردازید."),
        tone="alert-warning", shows_reason=True,
    ),
    (State.SUCCEEDED, None): PayerNotice(
        title="پرداخت با موفقیت انجام شد",
        text="بانک پرداخت را تأیید کرد و برای این برگ ثبت شد.",
        next_step="رسید پرداخت را نگه دارید.",
        tone="alert-success",
    ),
    (State.FAILED, None): _not_paid("این پرداخت انجام نشد و برگ هنوز پرداخت‌نشده است."),
    (State.EXPIRED, None): _not_paid("این پرداخت در مهلت بانک تأیید نشد و برگ هنوز پرداخت‌نشده است."),
    (State.REJECTED, None): _not_paid("این پرداخت پذیرفته نشد و برگ با آن پرداخت نشد."),
    (State.REVERSED, None): _not_paid("این پرداخت پذیرفته نشد و مبلغ آن به کارت شما برگشت داده شد.",
                                      title="پرداخت انجام نشد و مبلغ به کارت برگشت"),
    (State.REFUNDED, None): _not_paid("این پرداخت برای این برگ پذیرفته نشد و مبلغ آن به کارت شما برگشت داده شد.",
                                      title="مبلغ به کارت شما برگشت داده شد"),
    (State.MANUAL_REVIEW, True): _in_review(
        "بانک مبلغ این پرداخت را از کارت شما برداشته و نگه داشته است، اما پرداخت برای این برگ پذیرفته نشد و "
        "برگرداندن خودکار آن هم انجام نشد. پرونده برای بررسی کارشناس ثبت شد تا مبلغ به شما بازگردانده شود."),
    (State.MANUAL_REVIEW, False): _in_review(
        "بانک نتیجه این پرداخت را در مهلت خود اعلام نکرد و پرونده آن برای بررسی کارشناس ثبت شد. ممکن است "
        "مبلغ از کارت شما برداشته شده باشد."),
}


def payer_notice(state: str, *, money_kept: bool = False) -> PayerNotice:
    """The table's entry for `state` and, where it matters, whether the PSP kept the money."""
    return PAYER_NOTICES.get((state, money_kept)) or PAYER_NOTICES[(state, None)]
