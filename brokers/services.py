"""The broker office's use cases (clause 4): find a walk-in by both identifiers, prove they are present, then
issue their slip through the one issuing service and record the approved fee in the same transaction.

Every use case checks the office is active, writes one audit event that names the office, the operator and
(once there is one) the slip, and raises DomainError with a Persian message the views show as is.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from brokers.models import FeeRecord, FeeService, FeeTariff, PresenceMethod, WalkInSession, tehran_today
from insured import ledger
from insured.models import Channel, Contract, InsuredPerson, Slip
from insured.slips import slip_issue, slip_offer
from samt import sms_texts
from samt.actors import Actor
from samt.audit import audit_record
from samt.errors import DomainError
from samt.jalali import JalaliMonth
from samt.models import BrokerOffice, OfficeStatus, SmsMessage
from samt.numbering import document_number
from samt.persian import to_persian_digits
from samt.sms import sms_queue

CODE_VALID_FOR = timedelta(minutes=5)
CODE_TRIES = 3
CODES_PER_WALK_IN = 3
# However many walk-ins an office starts or leaves open, a phone gets at most this many codes in any hour.
CODES_PER_PHONE_PER_HOUR = 5
# Names each code's text in the SMS outbox, which is what counts the codes a phone was sent.
CODE_EVENT = "broker.presence_code"
PRESENCE_VALID_FOR = timedelta(minutes=30)

NOT_FOUND = ("بیمه‌شده‌ای با این کد ملی و این شماره بیمه پیدا نشد. هر دو شماره را از روی کارت ملی و کارت یا "
             "دفترچه بیمه دوباره بخوانید؛ جست‌وجو فقط با هر دو شماره درست ممکن است.")
OFFICE_NOT_ACTIVE: dict[str, str] = {
    OfficeStatus.SUSPENDED: "فعالیت این کارگزاری به تصمیم اداره کل «تعلیق» شده است و تا رفع تعلیق هیچ خدمتی در آن "
                            "انجام نمی‌شود.",
    OfficeStatus.CLOSED: "مجوز این کارگزاری «لغو» شده است و دیگر هیچ خدمتی در آن انجام نمی‌شود.",
}
NOT_YOUR_WALK_IN = "این مراجعه را کاربر دیگری آغاز کرده است؛ بیمه‌شده را خودتان جست‌وجو کنید."
ALREADY_PRESENT = "حضور این بیمه‌شده پیش‌تر احراز شده است."
NO_MOBILE = "برای این بیمه‌شده شماره همراهی ثبت نشده است؛ کارت ملی او را بررسی و ثبت کنید."
HAS_MOBILE = ("برای این بیمه‌شده شماره همراه ثبت شده است؛ حضور او فقط با کدی که به همان شماره پیامک می‌شود "
              "احراز می‌شود.")
TOO_MANY_CODES = ("برای این مراجعه بیش از این کد فرستاده نمی‌شود. اگر پیامک نمی‌رسد، بیمه‌شده شماره همراه خود را "
                  "در شعبه به‌روز کند.")
NO_CODE_SENT = "هنوز کدی فرستاده نشده است؛ نخست «فرستادن کد» را بزنید."
CODE_EXPIRED = "مهلت پنج‌دقیقه‌ای این کد گذشته است؛ کد تازه بفرستید."
CODE_TRIES_USED = "این کد سه بار نادرست وارد شد و دیگر پذیرفته نمی‌شود؛ کد تازه بفرستید."
CODE_WRONG = "کد درست نیست؛ {left} بار دیگر می‌توانید آن را وارد کنید."
NOT_PRESENT = ("حضور بیمه‌شده احراز نشده یا اعتبار سی‌دقیقه‌ای آن گذشته است؛ بیمه‌شده را دوباره جست‌وجو و "
               "حضور او را احراز کنید.")
NO_TARIFF = ("تعرفه مصوب کارمزد صدور برگ برای امروز ثبت نشده است؛ تا اداره کل آن را ثبت نکند، صدور برگ در "
             "کارگزاری ممکن نیست.")
TARIFF_AMBIGUOUS = "برای امروز بیش از یک تعرفه کارمزد ثبت شده است؛ اداره کل باید یکی را اصلاح کند."
NO_CONTRACT = "این بیمه‌شده قرارداد فعالی ندارد؛ برای تشکیل یا تمدید قرارداد به شعبه خود مراجعه کند."


# Who may act -------------------------------------------------------------------------------------------------


def office_refusal(office: BrokerOffice) -> str | None:
    """Why an office's operators may not act, or None while it is active (the note under clause 4)."""
    if office.status == OfficeStatus.ACTIVE:
        return None
    return OFFICE_NOT_ACTIVE[office.status]


def _check_office(actor: Actor, *, lock: bool = False) -> BrokerOffice:
    offices = BrokerOffice.objects.all()
    if lock:
        # FOR NO KEY UPDATE: a suspension decided at this instant waits for this issuance (or this issuance
        # sees it), while inserts that merely refer to the office are not held up.
        offices = offices.select_for_update(no_key=True)
    office = offices.get(pk=actor.office_id or 0)  # 0: no office, DoesNotExist as before
    refusal = office_refusal(office)
    if refusal:
        raise DomainError(refusal)
    return office


def _check_walk_in(actor: Actor, walk_in: WalkInSession) -> None:
    if walk_in.office_id != actor.office_id or walk_in.operator_id != actor.person.pk:
        raise DomainError(NOT_YOUR_WALK_IN)


def _names(actor: Actor, office: BrokerOffice, **more: object) -> dict[str, object]:
    """What every broker event says, so a fault case can be built from the trail alone."""
    return {"office": office.code, "operator": actor.label, **more}


# Lookup --------------------------------------------------------------------------------------------------------


def walk_in_start(*, actor: Actor, national_code: str, insurance_number: str,
                  now: datetime | None = None) -> WalkInSession:
    """A walk-in found by national code AND insurance number, both exact. A miss says nothing about which of
    the two was wrong, so the lookup cannot be used to test one number at a time."""
    office = _check_office(actor)
    with transaction.atomic():
        person = InsuredPerson.objects.filter(national_code=national_code, insurance_number=insurance_number).first()
        refusal = _why_no_slip(person) if person else None
        if person is None:
            # Misses are recorded too: many of them from one operator is a pattern HQ should see.
            audit_record(actor=actor, action="broker.lookup_missed", after=_names(actor, office, slip=""))
            walk_in = None
        elif refusal:
            # Said before any presence code is sent: the walk-in would prove presence for a slip they cannot get.
            audit_record(actor=actor, action="broker.lookup_refused", subject=person,
                         after=_names(actor, office, person=person.pk, slip=""))
            walk_in = None
        else:
            walk_in = WalkInSession.objects.create(office=office, operator=actor.person, person=person,
                                                   started_at=now or timezone.now())
            audit_record(actor=actor, action="broker.lookup", subject=walk_in,
                         after=_names(actor, office, person=person.pk, slip=""))
    if walk_in is None:
        raise DomainError(refusal or NOT_FOUND)
    return walk_in


def _why_no_slip(person: InsuredPerson) -> str | None:
    """What would refuse this person's slip at a broker (no contract, lapsed, last year's statement), or None."""
    contract = ledger.active_contract(person.pk)
    if contract is None:
        return NO_CONTRACT
    return slip_offer(contract, channel=Channel.BROKER).blocked_by


# Proof of presence ----------------------------------------------------------------------------------------------


def _code_hash(walk_in: WalkInSession, code: str) -> str:
    # Keyed with SECRET_KEY and salted with the walk-in: a stolen table does not give the code back.
    return salted_hmac("brokers.presence_code", f"{walk_in.key}:{code}", algorithm="sha256").hexdigest()


def mask_mobile(mobile: str) -> str:
    return f"{mobile[:4]}***{mobile[-4:]}" if len(mobile) == 11 else ""


def _locked_unproven(actor: Actor, walk_in: WalkInSession) -> WalkInSession:
    # The row lock serialises two clicks on "send" (or a send and a card check) for one walk-in.
    locked = WalkInSession.objects.select_for_update().select_related("person").get(pk=walk_in.pk)
    _check_walk_in(actor, locked)
    if locked.present_at is not None:
        raise DomainError(ALREADY_PRESENT)
    return locked


def _codes_sent_to(mobile: str, now: datetime) -> int:
    """Codes this phone was sent in the hour before `now`, by any office and walk-in: counted from the texts
    themselves, so a walk-in started long ago and left open counts like a new one. The people on record with this
    phone are locked first, so two walk-ins sending at the same instant count one after the other."""
    list(InsuredPerson.objects.select_for_update().filter(mobile=mobile).order_by("pk").values_list("pk"))
    return SmsMessage.objects.filter(to=mobile, event_key__startswith=f"{CODE_EVENT}:",
                                     created_at__gt=now - timedelta(hours=1)).count()


def presence_code_send(*, actor: Actor, walk_in: WalkInSession, now: datetime | None = None) -> WalkInSession:
    """A new six-digit code to the insured's registered mobile; the insured reads it out to the operator."""
    now = now or timezone.now()
    office = _check_office(actor)
    with transaction.atomic():
        locked = _locked_unproven(actor, walk_in)
        if not locked.person.mobile:
            raise DomainError(NO_MOBILE)
        refusal = _why_no_slip(locked.person)
        if refusal:
            raise DomainError(refusal)
        if (locked.codes_sent >= CODES_PER_WALK_IN
                or _codes_sent_to(locked.person.mobile, now) >= CODES_PER_PHONE_PER_HOUR):
            raise DomainError(TOO_MANY_CODES)
        code = f"{secrets.randbelow(1_000_000):06d}"
        locked.code_hash = _code_hash(locked, code)
        locked.code_mobile = locked.person.mobile
        locked.code_expires_at = now + CODE_VALID_FOR
        locked.code_attempts = 0
        locked.codes_sent += 1
        locked.save(update_fields=["code_hash", "code_mobile", "code_expires_at", "code_attempts", "codes_sent"])
        audit_record(actor=actor, action="broker.presence_code_sent", subject=locked,
                     after=_names(actor, office, mobile=mask_mobile(locked.code_mobile), slip=""))
        sms_queue(to=locked.code_mobile, text=_code_text(office, code), now=now,
                  event=f"{CODE_EVENT}:{locked.pk}:{locked.codes_sent}")
    return locked


def _code_text(office: BrokerOffice, code: str) -> str:
    return (f"سازمان تأمین اجتماعی: کد حضور شما در {office.name}: {to_persian_digits(code)}\n"
            "این کد را فقط اگر خودتان در همین کارگزاری هستید به کاربر آن بگویید. تا ۵ دقیقه معتبر است.")


def presence_code_verify(*, actor: Actor, walk_in: WalkInSession, code: str,
                         now: datetime | None = None) -> WalkInSession:
    """The code the insured read out. Three wrong tries or five minutes end a code; a right one is used up."""
    now = now or timezone.now()
    office = _check_office(actor)
    refusal: str | None = None
    with transaction.atomic():
        locked = WalkInSession.objects.select_for_update().get(pk=walk_in.pk)
        _check_walk_in(actor, locked)
        if locked.is_present(now):
            return locked
        if not locked.code_hash:
            refusal = NO_CODE_SENT
        elif locked.code_expires_at is None or now >= locked.code_expires_at:
            refusal = CODE_EXPIRED
        elif locked.code_attempts >= CODE_TRIES:
            refusal = CODE_TRIES_USED
        elif not constant_time_compare(locked.code_hash, _code_hash(locked, code)):
            # The failed try is committed before the refusal is raised, or a caller could retry for ever.
            locked.code_attempts += 1
            locked.save(update_fields=["code_attempts"])
            left = CODE_TRIES - locked.code_attempts
            audit_record(actor=actor, action="broker.presence_code_wrong", subject=locked,
                         after=_names(actor, office, tries_left=left, slip=""))
            refusal = CODE_WRONG.format(left=to_persian_digits(left)) if left else CODE_TRIES_USED
        else:
            _prove(actor, office, locked, PresenceMethod.SMS_CODE, now)
    if refusal:
        raise DomainError(refusal)
    return locked


def presence_card_check(*, actor: Actor, walk_in: WalkInSession, card_serial: str,
                        now: datetime | None = None) -> WalkInSession:
    """The fallback when no mobile is on file: the operator checked the national card against the person and
    records the card's serial. Reports count these apart, because they rest on the operator's word."""
    now = now or timezone.now()
    office = _check_office(actor)
    with transaction.atomic():
        locked = _locked_unproven(actor, walk_in)
        if locked.person.mobile:
            raise DomainError(HAS_MOBILE)
        locked.card_serial = card_serial
        _prove(actor, office, locked, PresenceMethod.NATIONAL_CARD, now)
    return locked


def _prove(actor: Actor, office: BrokerOffice, walk_in: WalkInSession, method: str, now: datetime) -> None:
    walk_in.presence_method = method
    walk_in.present_at = now
    walk_in.presence_until = now + PRESENCE_VALID_FOR
    walk_in.code_hash = ""  # single use: the code cannot prove anything again
    walk_in.save(update_fields=["presence_method", "present_at", "presence_until", "code_hash", "card_serial"])
    audit_record(actor=actor, action="broker.presence_proven", subject=walk_in,
                 after=_names(actor, office, method=method, card_serial=walk_in.card_serial, slip=""))


def proven_walk_in(actor: Actor, walk_in: WalkInSession, now: datetime | None = None) -> WalkInSession:
    """The walk-in, if its presence proof still holds; what the quote page and issuance both require."""
    _check_walk_in(actor, walk_in)
    if not walk_in.is_present(now):
        raise DomainError(NOT_PRESENT)
    return walk_in


# Fees and issuance -----------------------------------------------------------------------------------------------


def tariff_in_force(day: date, service: str = FeeService.SLIP_ISSUE) -> FeeTariff:
    tariffs = list(FeeTariff.objects.filter(service=service, effective_from__lte=day, effective_to__gte=day)[:2])
    if not tariffs:
        raise DomainError(NO_TARIFF)
    if len(tariffs) > 1:
        raise DomainError(TARIFF_AMBIGUOUS)
    return tariffs[0]


def contract_of(walk_in: WalkInSession) -> Contract:
    contract = ledger.active_contract(walk_in.person_id)
    if contract is None:
        raise DomainError(NO_CONTRACT)
    return contract


@transaction.atomic
def walk_in_slip_issue(*, actor: Actor, walk_in: WalkInSession, end_month: JalaliMonth, request_key: str = "",
                      now: datetime | None = None) -> FeeRecord:
    """Issue the walk-in's slip through insured.slips.slip_issue (the one issuing service: the statement gate
    and lapse bind here as online) and record the approved fee for it, all in one transaction.

    The fee is read from the tariff in force today, never from the request. A repeated form (same request_key)
    gets the slip and fee the first submit made, and the insured is not messaged twice.
    """
    now = now or timezone.now()
    office = _check_office(actor, lock=True)
    walk_in = proven_walk_in(actor, WalkInSession.objects.select_related("person").get(pk=walk_in.pk), now)
    tariff = tariff_in_force(tehran_today(now))
    slip = slip_issue(actor=actor, contract=contract_of(walk_in), end_month=end_month, channel=Channel.BROKER,
                      request_key=request_key, now=now)
    existing = FeeRecord.objects.filter(slip=slip).first()
    if existing is not None:
        return existing
    fee = FeeRecord.objects.create(
        receipt_number=document_number("8", "broker_fee_receipt", width=8), office=office, operator=actor.person,
        slip=slip, walk_in=walk_in, tariff=tariff, amount=tariff.amount, recorded_at=now,
    )
    audit_record(actor=actor, action="broker.slip_issued", subject=slip, after=_names(
        actor, office, slip=slip.number, premium=slip.total, fee_receipt=fee.receipt_number, fee=fee.amount,
        tariff=tariff.pk, approval=tariff.approval_reference, presence=walk_in.presence_method,
    ))
    # The slip's own text goes out from slip_issue, as on every channel; this one tells the person the approved fee,
    # so nobody at a counter can ask for more.
    sms_queue(to=walk_in.person.mobile, event=f"broker.fee:{fee.pk}",
              text=sms_texts.broker_fee(office=office.name, number=slip.number, fee=fee.amount))
    return fee


def audit_print(*, actor: Actor, action: str, slip: Slip, office: BrokerOffice, **more: object) -> None:
    """A printed slip or receipt: who printed which document where (a reprint can matter in a fault case)."""
    with transaction.atomic():
        audit_record(actor=actor, action=action, subject=slip, after=_names(actor, office, slip=slip.number, **more))
