"""Use cases of the credential workflow (directive clauses 2, 3 and 7).

A request moves through the table MOVES only, one move per call of `_transition`, which locks the row,
checks who may make the move, writes a history row and an audit event in the same transaction.

    draft ──register──▶ registered ──approve──▶ approved ──allocate──▶ issued ──deliver──▶ delivered
      │                   │    └──reject──▶ rejected        │             └─ allocate again (new letter,
      └──cancel──▶ cancelled ◀──cancel──┘                    └─cancel─▶ cancelled   before delivery only)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from branches.models import (
    OPEN_STATUSES,
    Applicant,
    CredentialRequest,
    IdentityCheck,
    PowerOfAttorney,
    RequestHistory,
    RequestKind,
    RequestStatus,
)
from insured.models import InsuredPerson
from samt import sms_texts
from samt.actors import Actor
from samt.audit import audit_record
from samt.errors import DomainError
from samt.formatting import jdate
from samt.jalali import JalaliMonth
from samt.models import Role, User
from samt.numbering import document_number, next_in_sequence
from samt.persian import to_persian_digits
from samt.sms import sms_queue

S = RequestStatus

# Persian messages people read; tests assert on these constants.
NOT_YOUR_BRANCH = "این درخواست از شعبه دیگری است و در شعبه شما بررسی نمی‌شود."
INSURED_OF_ANOTHER_BRANCH = "پرونده این بیمه‌شده در {branch} است؛ درخواست نام کاربری در همان شعبه ثبت می‌شود."
NO_DOCUMENT_SEEN = "احراز هویت بدون دیدن اصل کارت ملی یا شناسنامه ممکن نیست."
IDENTITY_NOT_INSURED = "کد ملی مدرک شناسایی با کد ملی بیمه‌شده یکی نیست."
IDENTITY_NOT_ATTORNEY = "کد ملی مدرک شناسایی با کد ملی وکیل در وکالتنامه یکی نیست."
ATTORNEY_IS_INSURED = "وکیل و بیمه‌شده یک نفرند؛ درخواست را به نام خود بیمه‌شده ثبت کنید."
POA_EXPIRED = ("اعتبار این وکالتنامه در {date} به پایان رسیده است. درخواست با وکالتنامه معتبر یا با حضور "
               "خود بیمه‌شده پذیرفته می‌شود.")
POA_NOT_COVERING = ("در این وکالتنامه اختیار درخواست و دریافت نام کاربری و گذرواژه سامانه به وکیل داده نشده "
                    "است؛ درخواست با وکالتنامه‌ای که این اختیار را بدهد یا با حضور خود بیمه‌شده پذیرفته می‌شود.")
POA_DATED_IN_FUTURE = "تاریخ وکالتنامه پس از امروز است؛ تاریخ را دوباره بررسی کنید."
OPEN_REQUEST_EXISTS = ("برای این بیمه‌شده درخواست بازی با شماره {number} هست؛ نخست آن را به پایان برسانید "
                       "یا لغو کنید.")
MOVE_NOT_ALLOWED = "این درخواست «{state}» است و «{move}» برای آن ممکن نیست."
ROLE_NOT_ALLOWED = "«{move}» با نقش شما ممکن نیست؛ این کار با {roles} است."
PREPARER_CANNOT_DECIDE = ("شما این درخواست را تهیه کرده‌اید و نمی‌توانید آن را تأیید یا رد کنید؛ تصمیم با رئیس "
                          "شعبه‌ای است که در تهیه آن نقشی نداشته است.")
REASON_REQUIRED = "دلیل را بنویسید؛ در پرونده درخواست می‌ماند."
USERNAME_TAKEN = ("نام کاربری {username} پیش‌تر به حساب دیگری داده شده است؛ موضوع را به اداره کل گزارش کنید "
                  "تا بررسی شود.")
COPY2_NOT_HANDED = "تحویل نسخه دوم فرم درخواست به گیرنده را تأیید کنید."
NO_ATTORNEY_ON_FILE = "این درخواست وکالتنامه‌ای ندارد؛ نامه فقط به خود بیمه‌شده تحویل می‌شود."
# The printed password: lower-case letters and digits without look-alikes (0/o, 1/l/i), so it is read off
# paper and typed without the shift key or a case mistake; 31 symbols × 12 ≈ 59 bits, against an online
# guesser held to 5 tries per (username, address) every 15 minutes — and it must be changed at first login.
PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
PASSWORD_LENGTH = 12


def generate_password() -> str:
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        # At least one digit and one letter, so nobody reads it as a number or a word and "corrects" it.
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


# The state machine ---------------------------------------------------------------------------------------

BRANCH_STAFF_LABEL = "کارشناس امور فنی بیمه‌شدگان"


@dataclass(frozen=True)
class Move:
    action: str  # the audit action is "credential.<action>"
    label: str  # what the move is called on the page and in refusals
    roles: frozenset[str]
    not_by_preparer: bool = False
    needs_reason: bool = False


_PREPARERS = frozenset({Role.TECHNICAL_STAFF, Role.BRANCH_HEAD})
_CLERKS = frozenset({Role.TECHNICAL_STAFF, Role.SECRETARIAT})
_HEAD = frozenset({Role.BRANCH_HEAD})
_STAFF = frozenset({Role.TECHNICAL_STAFF})

REGISTER = Move("registered", "ثبت در دبیرخانه", _CLERKS)
APPROVE = Move("approved", "تأیید رئیس شعبه", _HEAD, not_by_preparer=True)
REJECT = Move("rejected", "رد درخواست", _HEAD, not_by_preparer=True, needs_reason=True)
CANCEL = Move("cancelled", "لغو درخواست", _PREPARERS, needs_reason=True)
ALLOCATE = Move("issued", "تخصیص نام کاربری و گذرواژه", _STAFF)
# A letter that was lost or spoiled before it reached the applicant is replaced by a fresh password; the
# approval covers giving this person credentials, not one particular sheet of paper.
REALLOCATE = Move("letter_reissued", "صدور دوباره نامه با گذرواژه تازه", _STAFF)
DELIVER = Move("delivered", "تحویل نامه", _CLERKS)

MOVES: dict[tuple[str, str], Move] = {
    (S.DRAFT, S.REGISTERED): REGISTER,
    (S.DRAFT, S.CANCELLED): CANCEL,
    (S.REGISTERED, S.APPROVED): APPROVE,
    (S.REGISTERED, S.REJECTED): REJECT,
    (S.REGISTERED, S.CANCELLED): CANCEL,
    (S.APPROVED, S.ISSUED): ALLOCATE,
    (S.APPROVED, S.CANCELLED): CANCEL,
    (S.ISSUED, S.ISSUED): REALLOCATE,
    (S.ISSUED, S.DELIVERED): DELIVER,
}


def allowed_moves(request: CredentialRequest, actor: Actor) -> list[tuple[str, Move]]:
    """The moves `actor` could make now: what the request page offers them."""
    moves = []
    for (source, target), move in MOVES.items():
        if source == request.status:
            try:
                _check_actor(request, actor, move)
            except DomainError:
                continue
            moves.append((target, move))
    return moves


def _check_actor(request: CredentialRequest, actor: Actor, move: Move) -> None:
    if actor.branch_id != request.branch_id:
        raise DomainError(NOT_YOUR_BRANCH)
    if actor.role not in move.roles:
        roles = " یا ".join(Role(role).label for role in sorted(move.roles))
        raise DomainError(ROLE_NOT_ALLOWED.format(move=move.label, roles=roles))
    if move.not_by_preparer and actor.user is not None and actor.user.pk == request.prepared_by_id:
        raise DomainError(PREPARER_CANNOT_DECIDE)


def _transition(
    request: CredentialRequest,
    *,
    actor: Actor,
    to: str,
    note: str = "",
    apply: Callable[[CredentialRequest], dict[str, object]] | None = None,
) -> CredentialRequest:
    """The one way a request changes state. The row lock makes two clicks (or two people) on the same
    request take turns, so the second sees the state the first left and is refused by the table."""
    locked = CredentialRequest.objects.select_for_update().select_related("branch").get(pk=request.pk)
    move = MOVES.get((locked.status, to))
    if move is None:
        intended = next((m for (_, target), m in MOVES.items() if target == to), None)
        label = intended.label if intended else S(to).label
        raise DomainError(MOVE_NOT_ALLOWED.format(state=locked.get_status_display(), move=label))
    _check_actor(locked, actor, move)
    note = note.strip()
    if move.needs_reason and not note:
        raise DomainError(REASON_REQUIRED)
    before = locked.status
    details = apply(locked) if apply else {}
    locked.status = to
    locked.save()
    RequestHistory.objects.create(request=locked, from_status=before, to_status=to, actor=actor.person, note=note)
    audit_record(actor=actor, action=f"credential.{move.action}", subject=locked,
                 before={"status": before}, after={"status": to, **({"reason": note} if note else {}), **details})
    return locked


# Preparing a request ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityData:
    """What the staff member saw at the counter."""

    national_code: str
    full_name: str
    saw_national_card: bool
    saw_birth_certificate: bool


@dataclass(frozen=True)
class AttorneyData:
    """The power of attorney as typed from the document; its fields are PowerOfAttorney's."""

    attorney_national_code: str
    attorney_first_name: str
    attorney_last_name: str
    attorney_mobile: str
    notary_office_number: str
    notary_city: str
    document_number: str
    document_date: date
    expires_on: date
    covers_credentials: bool


def _identity_check(actor: Actor, identity: IdentityData) -> IdentityCheck:
    if not (identity.saw_national_card or identity.saw_birth_certificate):
        raise DomainError(NO_DOCUMENT_SEEN)
    return IdentityCheck.objects.create(
        national_code=identity.national_code, full_name=identity.full_name,
        saw_national_card=identity.saw_national_card, saw_birth_certificate=identity.saw_birth_certificate,
        checked_by=actor.person,
    )


def check_power_of_attorney(*, expires_on: date, covers_credentials: bool, today: date) -> None:
    """Clause 7: an attorney acts for the insured only on a power of attorney in force that gives this power."""
    if expires_on < today:
        raise DomainError(POA_EXPIRED.format(date=jdate(expires_on)))
    if not covers_credentials:
        raise DomainError(POA_NOT_COVERING)


@transaction.atomic
def request_prepare(
    *, actor: Actor, insured: InsuredPerson, identity: IdentityData, attorney: AttorneyData | None = None
) -> CredentialRequest:
    """A draft request, after the identity of the person at the counter has been checked (clause 2)."""
    if actor.role not in _PREPARERS:
        raise DomainError(ROLE_NOT_ALLOWED.format(move="تهیه درخواست", roles=BRANCH_STAFF_LABEL))
    # Locking the person makes two counters preparing a request for one insured take turns, so the
    # open-request check below cannot be raced (the partial unique constraint backs it up).
    insured = InsuredPerson.objects.select_for_update().select_related("branch").get(pk=insured.pk)
    if insured.branch_id != actor.branch_id:
        raise DomainError(INSURED_OF_ANOTHER_BRANCH.format(branch=insured.branch.name))
    open_request = insured.credential_requests.filter(status__in=OPEN_STATUSES).first()
    if open_request is not None:
        raise DomainError(OPEN_REQUEST_EXISTS.format(number=to_persian_digits(open_request.number)))
    power = _power_of_attorney(insured, identity, attorney) if attorney else None
    if power is None and identity.national_code != insured.national_code:
        raise DomainError(IDENTITY_NOT_INSURED)
    request = CredentialRequest.objects.create(
        number=document_number("4", "credential_request"),
        branch_id=insured.branch_id,
        insured=insured,
        kind=RequestKind.REISSUE if insured.user_id else RequestKind.FIRST,
        applicant=Applicant.ATTORNEY if power else Applicant.INSURED,
        power_of_attorney=power,
        identity_check=_identity_check(actor, identity),
        prepared_by=actor.person,
    )
    RequestHistory.objects.create(request=request, to_status=S.DRAFT, actor=actor.person)
    audit_record(actor=actor, action="credential.prepared", subject=request, after={
        "status": S.DRAFT, "insured": insured.national_code, "kind": request.kind, "applicant": request.applicant,
        "identity_checked": identity.national_code,
    })
    return request


def _power_of_attorney(insured: InsuredPerson, identity: IdentityData, attorney: AttorneyData) -> PowerOfAttorney:
    today = timezone.localdate()
    if attorney.document_date > today:
        raise DomainError(POA_DATED_IN_FUTURE)
    check_power_of_attorney(expires_on=attorney.expires_on, covers_credentials=attorney.covers_credentials,
                            today=today)
    if attorney.attorney_national_code == insured.national_code:
        raise DomainError(ATTORNEY_IS_INSURED)
    if identity.national_code != attorney.attorney_national_code:
        raise DomainError(IDENTITY_NOT_ATTORNEY)
    return PowerOfAttorney.objects.create(insured=insured, **asdict(attorney))


# The moves -----------------------------------------------------------------------------------------------------


@transaction.atomic
def request_register(*, actor: Actor, request: CredentialRequest) -> CredentialRequest:
    """Enter the request in the branch's secretariat register: the next number of this branch and Jalali year."""

    def number(locked: CredentialRequest) -> dict[str, object]:
        now = timezone.now()
        year = JalaliMonth.current(now).year
        # The counter row stays locked until this transaction commits: two clerks registering at the same
        # instant get consecutive numbers, and a rolled-back registration gives its number back (no gaps).
        locked.secretariat_year = year
        locked.secretariat_sequence = next_in_sequence(f"secretariat:{locked.branch.code}:{year}")
        locked.registered_at = now
        locked.registered_by = actor.user
        return {"secretariat_number": locked.secretariat_number}

    return _transition(request, actor=actor, to=S.REGISTERED, apply=number)


@transaction.atomic
def request_approve(*, actor: Actor, request: CredentialRequest, note: str = "") -> CredentialRequest:
    return _transition(request, actor=actor, to=S.APPROVED, note=note, apply=_decided_by(actor))


@transaction.atomic
def request_reject(*, actor: Actor, request: CredentialRequest, reason: str) -> CredentialRequest:
    def decide(locked: CredentialRequest) -> dict[str, object]:
        locked.reason = reason.strip()
        return _decided_by(actor)(locked)

    return _transition(request, actor=actor, to=S.REJECTED, note=reason, apply=decide)


@transaction.atomic
def request_cancel(*, actor: Actor, request: CredentialRequest, reason: str) -> CredentialRequest:
    def record(locked: CredentialRequest) -> dict[str, object]:
        locked.reason = reason.strip()
        return {}

    return _transition(request, actor=actor, to=S.CANCELLED, note=reason, apply=record)


def _decided_by(actor: Actor) -> Callable[[CredentialRequest], dict[str, object]]:
    def decide(locked: CredentialRequest) -> dict[str, object]:
        locked.decided_by = actor.user
        locked.decided_at = timezone.now()
        return {}

    return decide


@dataclass(frozen=True)
class Allocation:
    """The result of allocating: the only place the plain password ever exists, for one response."""

    request: CredentialRequest
    username: str
    password: str


@transaction.atomic
def request_allocate(*, actor: Actor, request: CredentialRequest) -> Allocation:
    """Give the insured a username and a fresh random password (clause 3) and announce the letter by SMS.

    Only the hash is stored. A new hash also ends every session of the account: Django keys each session
    to a hash of the password hash, so a re-issue logs out whoever was using the lost password.
    """
    password = generate_password()

    def allocate(locked: CredentialRequest) -> dict[str, object]:
        user, created = _account_with_password(actor, locked.insured_id, password)
        locked.username = user.username
        locked.issued_by = actor.user
        locked.issued_at = timezone.now()
        if locked.status == S.APPROVED:
            # The first letter is news for the insured; a re-issue for a lost one is handed over at the counter.
            _announce_letter(locked)
        return {"username": user.username, "account": "created" if created else "password_replaced"}

    locked = _transition(request, actor=actor, to=S.ISSUED, apply=allocate)
    return Allocation(request=locked, username=locked.username, password=password)


def _account_with_password(actor: Actor, insured_id: int, password: str) -> tuple[User, bool]:
    insured = InsuredPerson.objects.select_for_update().get(pk=insured_id)
    user = insured.user
    created = user is None
    if user is None:
        # The national code is the username: people know it by heart, it is unique, and the lockout counts
        # per (username, address), so someone typing it elsewhere cannot lock its owner out.
        username = insured.national_code
        if User.objects.filter(username=username).exists():
            raise DomainError(USERNAME_TAKEN.format(username=to_persian_digits(username)))
        user = User(username=username, first_name=insured.first_name, last_name=insured.last_name)
    user.set_password(password)
    user.must_change_password = True
    user.is_active = True
    user.save()
    if created:
        # insured.services has no use case for linking an account; this is the only writer of the link.
        InsuredPerson.objects.filter(pk=insured.pk, user__isnull=True).update(user=user)
    audit_record(actor=actor, action="auth.password_set_by_branch", subject=user,
                 after={"account": "created" if created else "password_replaced", "must_change_password": True})
    return user, created


def _announce_letter(request: CredentialRequest) -> None:
    insured = request.insured
    if insured.mobile:
        sms_queue(to=insured.mobile, text=sms_texts.credential_letter_ready(branch=request.branch.name,
                                                                            number=request.number),
                  event=f"credential.letter:{request.pk}")
    power = request.power_of_attorney
    if power is not None and power.attorney_mobile and power.attorney_mobile != insured.mobile:
        sms_queue(to=power.attorney_mobile, text=sms_texts.credential_letter_ready_for_attorney(
            insured=insured.full_name, branch=request.branch.name, number=request.number),
            event=f"credential.letter:{request.pk}")


@transaction.atomic
def request_deliver(
    *, actor: Actor, request: CredentialRequest, recipient: str, identity: IdentityData, copy2_handed_over: bool
) -> CredentialRequest:
    """The sealed letter and copy 2 of the form handed to the insured or their attorney, identity checked again."""

    def deliver(locked: CredentialRequest) -> dict[str, object]:
        if not copy2_handed_over:
            raise DomainError(COPY2_NOT_HANDED)
        _check_recipient(locked, recipient, identity)
        locked.delivered_to = recipient
        locked.delivery_check = _identity_check(actor, identity)
        locked.copy2_handed_over = True
        locked.delivered_by = actor.user
        locked.delivered_at = timezone.now()
        return {"delivered_to": recipient, "identity_checked": identity.national_code, "copy2_handed_over": True}

    return _transition(request, actor=actor, to=S.DELIVERED, apply=deliver)


def _check_recipient(request: CredentialRequest, recipient: str, identity: IdentityData) -> None:
    if recipient == Applicant.INSURED:
        if identity.national_code != request.insured.national_code:
            raise DomainError(IDENTITY_NOT_INSURED)
        return
    power = request.power_of_attorney
    if power is None:
        raise DomainError(NO_ATTORNEY_ON_FILE)
    check_power_of_attorney(expires_on=power.expires_on, covers_credentials=power.covers_credentials,
                            today=timezone.localdate())
    if identity.national_code != power.attorney_national_code:
        raise DomainError(IDENTITY_NOT_ATTORNEY)
