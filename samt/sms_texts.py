"""Every SMS the portal sends, in one place: plain functions of plain values, so one test can render each with its
longest figures and hold it to two segments.

A text with any Persian letter travels as UCS-2: 70 characters in one segment, 67 per segment once split (the
rest of each segment carries the concatenation header), so two segments hold 134 characters. Each text says the
fact, the figure the person needs, and where to act; nothing else. The sender line names the organisation.
"""

from __future__ import annotations

from datetime import date

from samt.formatting import fa_digits, jdate, rials
from samt.jalali import JalaliMonth

SINGLE_UCS2, MULTI_UCS2 = 70, 67
SINGLE_GSM, MULTI_GSM = 160, 153
MAX_SEGMENTS = 2

# GSM 03.38's basic set (Latin letters, digits, common punctuation): a text made only of these is 7-bit.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def sms_segments(text: str) -> int:
    """How many SMS segments `text` takes (a UTF-16 code unit per character outside the GSM set)."""
    if all(char in _GSM_BASIC for char in text):
        single, multi, length = SINGLE_GSM, MULTI_GSM, len(text)
    else:
        single, multi, length = SINGLE_UCS2, MULTI_UCS2, len(text.encode("utf-16-le")) // 2
    if length <= single:
        return 1
    return -(-length // multi)


def _months(first: JalaliMonth, last: JalaliMonth) -> str:
    if first == last:
        return first.label
    if first.year == last.year:
        return f"{first.name} تا {last.label}"
    return f"{first.label} تا {last.label}"


def slip_issued(*, first: JalaliMonth, last: JalaliMonth, amount: int, until: date, link: str) -> str:
    return f"برگ حق بیمه {_months(first, last)}: {rials(amount)} ریال، مهلت {jdate(until)}\nپرداخت: {link}"


def slip_credited(*, first: JalaliMonth, last: JalaliMonth, reference: str) -> str:
    return f"حق بیمه {_months(first, last)} پرداخت و ثبت شد.\nمرجع بانک: {reference}"


def payment_not_accepted(*, amount: int, number: str) -> str:
    return (f"پرداخت {rials(amount)} ریال برای برگ {fa_digits(number)} پذیرفته نشد. اگر از کارت کم شده، "
            "بانک تا ۷۲ ساعت برمی‌گرداند.")


def payment_reversed(*, amount: int, number: str) -> str:
    return f"پرداخت {rials(amount)} ریال برای برگ {fa_digits(number)} پذیرفته نشد و مبلغ به کارت شما برگشت داده شد."


def payment_in_review(*, amount: int, number: str, reference: str) -> str:
    return (f"پرداخت {rials(amount)} ریالی برگ {fa_digits(number)} برای بررسی کارشناس ثبت شد. دوباره نپردازید."
            f"\nشماره پیگیری: {reference}")


def payment_review_no_money(*, amount: int, number: str) -> str:
    return (f"بررسی پرداخت {rials(amount)} ریالی برگ {fa_digits(number)} پایان یافت: مبلغی از کارت شما برداشته "
            "نشده است. می‌توانید دوباره بپردازید.")


def payment_refunded(*, amount: int, number: str, reference: str) -> str:
    return (f"مبلغ {rials(amount)} ریالی پرداخت برگ {fa_digits(number)} به کارت شما برگشت داده شد."
            f"\nمرجع برگشت: {reference}")


def statement_settled(*, year: int, balance: int) -> str:
    if balance < 0:
        return (f"گردش حساب سال {fa_digits(year)} صادر شد: {rials(-balance)} ریال بستانکارید که شعبه برمی‌گرداند. "
                "صدور اینترنتی برگ باز است.")
    return f"گردش حساب سال {fa_digits(year)} صادر و تسویه شد. صدور اینترنتی برگ حق بیمه برای شما باز است."


def statement_debt(*, year: int, amount: int, link: str) -> str:
    return f"گردش حساب سال {fa_digits(year)}: بدهی {rials(amount)} ریال.\nپرداخت برگ بدهی: {link}"


def gate_open(*, year: int) -> str:
    return (f"بدهی گردش حساب سال {fa_digits(year)} پرداخت و تسویه شد. صدور اینترنتی برگ حق بیمه برای شما "
            "دوباره باز است.")


def lapse_warning(*, first_unpaid: JalaliMonth, last_chance: JalaliMonth) -> str:
    return (f"یادآوری: حق بیمه از {first_unpaid.label} پرداخت نشده. اگر تا پایان {last_chance.label} نپردازید، "
            "قرارداد بیمه باطل می‌شود.")


def extension_granted(*, until: JalaliMonth) -> str:
    return (f"مهلت یک‌باره پرداخت حق بیمه معوق تا پایان {until.label} داده شد. پیش از آن برگ صادر و "
            "پرداخت کنید.")


def broker_fee(*, office: str, number: str, fee: int) -> str:
    return (f"کارمزد مصوب {office} برای برگ {fa_digits(number)}: {rials(fee)} ریال، جدا از حق بیمه. "
            "بیش از این نپردازید.")


def credential_letter_ready(*, branch: str, number: str) -> str:
    return f"نامه نام کاربری و گذرواژه سامت در {branch} آماده است. با کارت ملی و رسید {fa_digits(number)} بروید."


def credential_letter_ready_for_attorney(*, insured: str, branch: str, number: str) -> str:
    return f"نامه گذرواژه سامت {insured} در {branch} آماده است. با وکالت‌نامه و رسید {fa_digits(number)} بروید."
