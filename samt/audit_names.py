"""How the audit trail reads to people: a Persian name for each action and group, and an event's before/after
as rows of a small table. The codes are plain strings the apps write; the kernel names them without knowing
the apps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GROUP_NAMES: dict[str, str] = {
    "auth": "ورود و حساب کاربری",
    "insured": "پرونده بیمه‌شده",
    "contract": "قرارداد",
    "slip": "برگ پرداخت",
    "payment": "پرداخت",
    "statement": "گردش حساب",
    "statements": "اجرای گروهی گردش حساب",
    "debt_slip": "برگ بدهی",
    "credential": "نام کاربری و گذرواژه",
    "broker": "کارگزاری: خدمت به مراجعه‌کننده",
    "broker_office": "کارگزاری: وضعیت",
    "broker_tariff": "کارگزاری: تعرفه",
    "broker_fault_case": "کارگزاری: پرونده تخلف",
    "reference": "داده‌های پایه: پیشنهاد و تأیید",
    "rates": "داده‌های پایه: جدول‌ها",
    "admin": "صفحه مدیریت",
    "job": "کارهای فرابری",
}

ACTION_NAMES: dict[str, str] = {
    "auth.login": "ورود به سامانه",
    "auth.otp_enrolled": "فعال کردن تأیید دومرحله‌ای",
    "auth.password_changed": "تغییر گذرواژه",
    "auth.password_set_by_branch": "گذرواژه تازه به دست شعبه",
    "insured.registered": "ثبت بیمه‌شده",
    "insured.updated": "ویرایش مشخصات بیمه‌شده",
    "insured.dependant_added": "افزودن فرد تحت تکفل",
    "insured.imported": "ورود پرونده‌ها از سامانه پیشین",
    "insured.sms_reminders": "تغییر یادآوری پیامکی",
    "contract.created": "ایجاد قرارداد",
    "contract.lapsed": "ابطال قرارداد",
    "contract.extension_requested": "درخواست مهلت چهارماهه",
    "contract.extension_approved": "تأیید مهلت چهارماهه",
    "contract.extension_rejected": "رد مهلت چهارماهه",
    "slip.issued": "صدور برگ پرداخت",
    "slip.paid": "پرداخت برگ",
    "payment.started": "آغاز پرداخت",
    "payment.succeeded": "پرداخت موفق",
    "payment.credited": "ثبت پرداخت در حساب",
    "payment.rejected": "پرداخت ناموفق",
    "payment.reversed": "برگشت پول به کارت",
    "payment.reverse_failed": "برگشت پول ناموفق",
    "payment.gateway_refused": "رد درخواست از سوی درگاه",
    "payment.amount_mismatch": "مبلغ ناهمخوان",
    "payment.not_creditable": "پرداختِ ثبت‌نشدنی",
    "payment.settle_failed": "تسویه ناموفق",
    "payment.verify_unknown": "نتیجه نامعلوم پرداخت",
    "payment.review_closed": "بستن بررسی پرداخت به دست کارشناس",
    "payment.reconcile_report": "مغایرت‌گیری با گزارش بانک",
    "statement.computed": "محاسبه گردش حساب",
    "statement.issued": "صدور گردش حساب",
    "statement.late_months_joined": "افزودن ماه‌های پرداخت‌شده پس از پایان سال به گردش حساب",
    "statement.objected": "اعتراض به گردش حساب",
    "statement.objection_answered": "پاسخ به اعتراض گردش حساب",
    "statements.batch_computed": "محاسبه گروهی گردش حساب‌ها",
    "statements.batch_issued": "صدور گروهی گردش حساب‌ها",
    "debt_slip.issued": "صدور برگ بدهی",
    "debt_slip.paid": "پرداخت برگ بدهی",
    "credential.prepared": "تهیه درخواست نام کاربری",
    "credential.registered": "ثبت درخواست در دبیرخانه",
    "credential.request_registered": "ثبت درخواست در دبیرخانه",
    "credential.approved": "تأیید رئیس شعبه",
    "credential.rejected": "رد درخواست",
    "credential.cancelled": "لغو درخواست",
    "credential.issued": "تخصیص نام کاربری و گذرواژه",
    "credential.letter_reissued": "صدور دوباره نامه گذرواژه",
    "credential.delivered": "تحویل نامه گذرواژه",
    "broker.lookup": "جست‌وجوی مراجعه‌کننده",
    "broker.lookup_missed": "جست‌وجوی بی‌نتیجه",
    "broker.lookup_refused": "جست‌وجو: صدور برگ برای این بیمه‌شده بسته است",
    "broker.presence_code_sent": "ارسال کد احراز حضور",
    "broker.presence_code_wrong": "کد احراز حضور نادرست",
    "broker.presence_proven": "احراز حضور",
    "broker.slip_issued": "صدور برگ در کارگزاری",
    "broker.slip_printed": "چاپ برگ در کارگزاری",
    "broker.fee_receipt_printed": "چاپ رسید کارمزد",
    "broker_office.suspended": "تعلیق کارگزاری",
    "broker_office.reinstated": "رفع تعلیق کارگزاری",
    "broker_tariff.recorded": "ثبت تعرفه کارمزد",
    "broker_fault_case.recorded": "ثبت پرونده تخلف",
    "broker_fault_case.decided": "تصمیم درباره پرونده تخلف",
    "reference.proposed": "پیشنهاد داده پایه",
    "reference.approved": "تأیید داده پایه",
    "reference.rejected": "رد داده پایه",
    "job.queued": "درخواست اجرای کار فرابری",
    "job.done": "پایان کار فرابری",
    "job.failed": "کار فرابری ناموفق",
    "rates.wage_recorded": "ثبت حداقل و سقف دستمزد",
    "rates.per_capita_recorded": "ثبت سرانه درمان",
    "rates.scheme_rate_recorded": "ثبت نرخ حق بیمه",
}

_ADMIN_VERBS = {"create": "افزودن", "update": "ویرایش", "delete": "حذف"}

FIELD_NAMES: dict[str, str] = {
    "status": "وضعیت", "amount": "مبلغ", "total": "مبلغ کل", "reason": "علت", "note": "یادداشت", "source": "مأخذ",
    "year": "سال", "effective_from": "اجرا از", "effective_to": "اجرا تا", "min_daily": "حداقل دستمزد روزانه",
    "ceiling_daily": "سقف دستمزد روزانه", "per_capita_monthly": "سرانه ماهانه", "rate_bp": "نرخ (صدم درصد)",
    "rate_code": "کد نرخ", "kind": "نوع", "office": "کارگزاری", "case": "پرونده", "sanction": "مجازات",
    "decision": "تصمیم", "number": "شماره", "first_month": "از ماه", "last_month": "تا ماه", "channel": "راه",
    "mobile": "تلفن همراه", "address": "نشانی", "first_name": "نام", "last_name": "نام خانوادگی",
    "national_code": "کد ملی", "branch_id": "شعبه", "approval_reference": "مصوبه", "service": "خدمت",
    "wage_ratio_hundredths": "نسبت دستمزد (صدم)", "treatment": "درمان", "username": "نام کاربری",
    "balance": "مانده", "due_total": "جمع بدهی", "paid_total": "جمع پرداختی", "reference": "شماره مرجع",
    "recorded_at": "زمان ثبت", "order_id": "شماره سفارش",
}


def action_group(code: str) -> str:
    return code.split(".", 1)[0]


def action_name(code: str) -> str:
    """The Persian name of an action; an unnamed one reads as its group and its code, never as nothing."""
    if code in ACTION_NAMES:
        return ACTION_NAMES[code]
    parts = code.split(".")
    if parts[0] == "admin" and len(parts) == 3:
        return f"صفحه مدیریت: {_ADMIN_VERBS.get(parts[2], parts[2])} {parts[1]}"
    group = GROUP_NAMES.get(parts[0])
    return f"{group} ({code})" if group else code


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "بله" if value else "خیر"
    return str(value)


def event_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """Before and after side by side, one row per field, in the order the event wrote them."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [Change(field=FIELD_NAMES.get(key, key), before=_shown(before.get(key)), after=_shown(after.get(key)))
            for key in keys]
