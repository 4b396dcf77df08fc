"""The credential workflow's services: the state machine, who may make which move, the secretariat
register, allocation, re-issue, the attorney path and delivery — each refusal in Persian."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from branches import services
from branches.models import Applicant, CredentialRequest, IdentityCheck, PowerOfAttorney, RequestKind, RequestStatus
from branches.services import IdentityData
from branches.tests.credential_support import (
    ATTORNEY_CODE,
    approved,
    attorney,
    attorney_identity,
    in_person,
    issued,
    make_insured,
    prepared,
    registered,
)
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth
from samt.models import AuditEvent, SmsMessage, User
from samt.templatetags.samt_format import jdate

pytestmark = pytest.mark.django_db


def act(user: User) -> Actor:
    return Actor.for_user(user, client_ip="10.0.0.9")


def refused(message: str):
    return pytest.raises(DomainError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)"))


# Preparing ----------------------------------------------------------------------------------------------------


def test_staff_prepare_a_draft_after_checking_identity_and_it_is_recorded_who_did_it(staff_a, insured_person):
    request = prepared(staff_a, insured_person)

    assert request.status == RequestStatus.DRAFT
    assert request.kind == RequestKind.FIRST
    assert request.applicant == Applicant.INSURED
    assert request.prepared_by == staff_a
    check = request.identity_check
    assert (check.national_code, check.checked_by, check.saw_national_card) == (
        insured_person.national_code, staff_a, True)
    assert request.number.startswith("4") and len(request.number) == 9
    event = AuditEvent.objects.get(action="credential.prepared")
    assert (event.actor, event.actor_label, event.subject_id) == (staff_a, "staff_a", str(request.pk))
    assert [(h.from_status, h.to_status, h.actor) for h in request.history.all()] == [("", "draft", staff_a)]


def test_no_request_exists_without_an_original_document_seen(staff_a, insured_person):
    unseen = IdentityData(national_code=insured_person.national_code, full_name=insured_person.full_name,
                          saw_national_card=False, saw_birth_certificate=False)
    with refused(services.NO_DOCUMENT_SEEN):
        prepared(staff_a, insured_person, identity=unseen)
    assert not CredentialRequest.objects.exists()
    assert not IdentityCheck.objects.exists()


def test_the_database_refuses_an_identity_check_with_no_document(staff_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentityCheck.objects.create(national_code="0123456789", full_name="x", checked_by=staff_a)


def test_someone_elses_card_is_refused(staff_a, insured_person):
    other = IdentityData(national_code=ATTORNEY_CODE, full_name="رضا محمدی", saw_national_card=True,
                         saw_birth_certificate=False)
    with refused(services.IDENTITY_NOT_INSURED):
        prepared(staff_a, insured_person, identity=other)


def test_staff_of_another_branch_cannot_prepare_for_this_branchs_insured(staff_b, insured_person):
    with refused(services.INSURED_OF_ANOTHER_BRANCH.format(branch="شعبه الف")):
        prepared(staff_b, insured_person)


def test_a_clerk_does_not_prepare_requests(clerk_a, insured_person):
    with pytest.raises(DomainError, match="تهیه درخواست"):
        prepared(clerk_a, insured_person)


def test_one_open_request_per_person(staff_a, insured_person):
    first = prepared(staff_a, insured_person)
    with pytest.raises(DomainError, match="درخواست بازی"):
        prepared(staff_a, insured_person)
    services.request_cancel(actor=act(staff_a), request=first, reason="اشتباه در ثبت")
    assert prepared(staff_a, insured_person).status == RequestStatus.DRAFT


def test_the_database_also_holds_one_open_request_per_person(staff_a, insured_person):
    first = prepared(staff_a, insured_person)
    with pytest.raises(IntegrityError), transaction.atomic():
        CredentialRequest.objects.create(
            number="400000099", branch=first.branch, insured=insured_person, kind=first.kind,
            applicant=first.applicant, identity_check=first.identity_check, prepared_by=staff_a)


# The secretariat register -------------------------------------------------------------------------------------


def test_registration_numbers_run_per_branch_and_jalali_year_without_gaps(staff_a, staff_b, branch_b):
    year = JalaliMonth.current().year
    people = [make_insured(staff_a, staff_a.membership.branch, serial=100 + i) for i in range(3)]
    numbers = [registered(staff_a, person).secretariat_number for person in people]
    assert numbers == [f"{year}/2104/000001", f"{year}/2104/000002", f"{year}/2104/000003"]

    elsewhere = registered(staff_b, make_insured(staff_b, branch_b, serial=200))
    assert elsewhere.secretariat_number == f"{year}/2107/000001"
    assert elsewhere.registered_at is not None
    assert elsewhere.secretariat_number_fa == f"{year}/2107/000001".translate(str.maketrans("0123456789",
                                                                                             "۰۱۲۳۴۵۶۷۸۹"))


def test_a_registration_that_rolls_back_gives_its_number_back(staff_a, branch_a):
    first, second = (make_insured(staff_a, branch_a, serial=300 + i) for i in range(2))
    draft = prepared(staff_a, first)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.request_register(actor=act(staff_a), request=draft)
        raise RuntimeError("the printer caught fire")
    assert registered(staff_a, second).secretariat_sequence == 1
    draft.refresh_from_db()
    assert draft.status == RequestStatus.DRAFT
    assert services.request_register(actor=act(staff_a), request=draft).secretariat_sequence == 2


def test_the_database_refuses_a_secretariat_number_twice(staff_a, branch_a):
    one = registered(staff_a, make_insured(staff_a, branch_a, serial=400))
    two = registered(staff_a, make_insured(staff_a, branch_a, serial=401))
    with pytest.raises(IntegrityError), transaction.atomic():
        CredentialRequest.objects.filter(pk=two.pk).update(secretariat_sequence=one.secretariat_sequence)


def test_a_clerk_of_the_secretariat_may_register(staff_a, clerk_a, insured_person):
    draft = prepared(staff_a, insured_person)
    request = services.request_register(actor=act(clerk_a), request=draft)
    assert request.registered_by == clerk_a


# Approval under the branch head's supervision -----------------------------------------------------------------


def test_the_head_approves_and_the_preparer_cannot(staff_a, head_a, insured_person):
    request = registered(staff_a, insured_person)
    with pytest.raises(DomainError, match="«تأیید رئیس شعبه» با نقش شما ممکن نیست"):
        services.request_approve(actor=act(staff_a), request=request)

    request = services.request_approve(actor=act(head_a), request=request)
    assert (request.status, request.decided_by) == (RequestStatus.APPROVED, head_a)
    event = AuditEvent.objects.get(action="credential.approved")
    assert (event.actor_label, event.role, event.before, event.after) == (
        "head_a", "branch_head", {"status": "registered"}, {"status": "approved"})


def test_a_head_who_prepared_the_request_cannot_decide_it_but_another_head_can(staff_a, head_a, second_head_a,
                                                                              insured_person):
    draft = prepared(head_a, insured_person)
    request = services.request_register(actor=act(staff_a), request=draft)
    with refused(services.PREPARER_CANNOT_DECIDE):
        services.request_approve(actor=act(head_a), request=request)
    with refused(services.PREPARER_CANNOT_DECIDE):
        services.request_reject(actor=act(head_a), request=request, reason="نمی‌خواهم")
    assert services.request_approve(actor=act(second_head_a), request=request).decided_by == second_head_a


def test_a_head_of_another_branch_cannot_decide(staff_a, insured_person, branch_b):
    from conftest import make_user
    from samt.models import Role

    head_b = make_user("head_b", role=Role.BRANCH_HEAD, branch=branch_b)
    request = registered(staff_a, insured_person)
    with refused(services.NOT_YOUR_BRANCH):
        services.request_approve(actor=act(head_b), request=request)


def test_a_rejection_needs_a_reason_which_is_kept(staff_a, head_a, insured_person):
    request = registered(staff_a, insured_person)
    with refused(services.REASON_REQUIRED):
        services.request_reject(actor=act(head_a), request=request, reason="   ")
    request = services.request_reject(actor=act(head_a), request=request, reason="امضای درخواست‌دهنده ناخواناست")
    assert (request.status, request.reason, request.decided_by) == (
        RequestStatus.REJECTED, "امضای درخواست‌دهنده ناخواناست", head_a)
    assert request.history.last().note == "امضای درخواست‌دهنده ناخواناست"
    assert AuditEvent.objects.get(action="credential.rejected").after["reason"] == "امضای درخواست‌دهنده ناخواناست"


# The table of moves -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("walk_to", "move", "message"),
    [
        ("draft", "approve", "این درخواست «پیش‌نویس» است و «تأیید رئیس شعبه» برای آن ممکن نیست."),
        ("draft", "allocate", "این درخواست «پیش‌نویس» است و «تخصیص نام کاربری و گذرواژه» برای آن ممکن نیست."),
        ("registered", "register",
         "این درخواست «ثبت‌شده در دبیرخانه، در انتظار تأیید رئیس شعبه» است و «ثبت در دبیرخانه» برای آن ممکن نیست."),
        ("registered", "allocate", "این درخواست «ثبت‌شده در دبیرخانه، در انتظار تأیید رئیس شعبه» است و "
                                   "«تخصیص نام کاربری و گذرواژه» برای آن ممکن نیست."),
        ("approved", "approve", "این درخواست «تأییدشده، در انتظار تخصیص» است و «تأیید رئیس شعبه» برای آن ممکن نیست."),
        ("approved", "deliver", "این درخواست «تأییدشده، در انتظار تخصیص» است و «تحویل نامه» برای آن ممکن نیست."),
        ("issued", "cancel", "این درخواست «نامه صادرشده، در انتظار تحویل» است و «لغو درخواست» برای آن ممکن نیست."),
        ("rejected", "approve", "این درخواست «ردشده» است و «تأیید رئیس شعبه» برای آن ممکن نیست."),
    ],
)
def test_moves_outside_the_table_are_refused_in_persian(staff_a, head_a, insured_person, walk_to, move, message):
    request = _walk(staff_a, head_a, insured_person, walk_to)
    moves = {
        "register": lambda: services.request_register(actor=act(staff_a), request=request),
        "approve": lambda: services.request_approve(actor=act(head_a), request=request),
        "allocate": lambda: services.request_allocate(actor=act(staff_a), request=request),
        "deliver": lambda: services.request_deliver(actor=act(staff_a), request=request,
                                                    recipient=Applicant.INSURED, identity=in_person(insured_person),
                                                    copy2_handed_over=True),
        "cancel": lambda: services.request_cancel(actor=act(staff_a), request=request, reason="دلیل"),
    }
    before = AuditEvent.objects.count()
    with refused(message):
        moves[move]()
    request.refresh_from_db()
    assert request.status == walk_to
    assert AuditEvent.objects.count() == before


def _walk(staff, head, insured, state: str) -> CredentialRequest:
    if state == "draft":
        return prepared(staff, insured)
    if state == "registered":
        return registered(staff, insured)
    if state == "approved":
        return approved(staff, head, insured)
    if state == "issued":
        return issued(staff, head, insured).request
    request = registered(staff, insured)
    return services.request_reject(actor=act(head), request=request, reason="ناقص")


def test_the_page_offers_each_person_only_their_moves(staff_a, head_a, clerk_a, insured_person):
    request = registered(staff_a, insured_person)

    def offered(user: User) -> set[str]:
        return {move.action for _, move in services.allowed_moves(request, act(user))}

    assert offered(head_a) == {"approved", "rejected", "cancelled"}
    assert offered(staff_a) == {"cancelled"}
    assert offered(clerk_a) == set()


def test_cancelling_needs_a_reason(staff_a, head_a, insured_person):
    request = approved(staff_a, head_a, insured_person)
    with refused(services.REASON_REQUIRED):
        services.request_cancel(actor=act(staff_a), request=request, reason="")
    request = services.request_cancel(actor=act(head_a), request=request, reason="بیمه‌شده منصرف شد")
    assert (request.status, request.reason) == (RequestStatus.CANCELLED, "بیمه‌شده منصرف شد")


# Allocation ---------------------------------------------------------------------------------------------------


def test_allocation_gives_the_national_code_as_username_and_stores_only_a_hash(
    staff_a, head_a, insured_person, django_capture_on_commit_callbacks
):
    request = approved(staff_a, head_a, insured_person)
    with django_capture_on_commit_callbacks(execute=True):
        allocation = services.request_allocate(actor=act(staff_a), request=request)

    user = User.objects.get(username=insured_person.national_code)
    insured_person.refresh_from_db()
    assert insured_person.user == user
    assert allocation.username == user.username == allocation.request.username
    assert user.password != allocation.password and allocation.password not in user.password
    assert user.check_password(allocation.password)
    assert user.must_change_password
    assert (user.first_name, user.last_name) == ("مریم", "احمدی")
    assert allocation.request.status == RequestStatus.ISSUED
    assert allocation.request.issued_by == staff_a

    sms = SmsMessage.objects.get()
    assert sms.to == "09121234567"
    assert "شعبه الف" in sms.text and "آماده است" in sms.text
    assert allocation.password not in sms.text
    events = {e.action: e for e in AuditEvent.objects.filter(actor=staff_a)}
    assert events["credential.issued"].after == {"status": "issued", "username": user.username, "account": "created"}
    assert events["auth.password_set_by_branch"].subject_id == str(user.pk)


def test_no_sms_is_sent_when_allocation_rolls_back(staff_a, head_a, insured_person,
                                                   django_capture_on_commit_callbacks):
    request = approved(staff_a, head_a, insured_person)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.request_allocate(actor=act(staff_a), request=request)
        raise RuntimeError("rolled back")
    assert not SmsMessage.objects.exists()
    assert not User.objects.filter(username=insured_person.national_code).exists()


@pytest.mark.parametrize("who", ["head_a", "clerk_a"])
def test_only_technical_staff_allocate(staff_a, head_a, clerk_a, insured_person, who):
    request = approved(staff_a, head_a, insured_person)
    with pytest.raises(DomainError, match="«تخصیص نام کاربری و گذرواژه» با نقش شما ممکن نیست"):
        services.request_allocate(actor=act({"head_a": head_a, "clerk_a": clerk_a}[who]), request=request)


def test_passwords_are_twelve_characters_without_look_alikes():
    passwords = {services.generate_password() for _ in range(300)}
    assert len(passwords) == 300
    for password in passwords:
        assert len(password) == 12
        assert set(password) <= set(services.PASSWORD_ALPHABET)
        assert any(c.isdigit() for c in password) and any(c.isalpha() for c in password)
    assert not set("0O1lIio") & set(services.PASSWORD_ALPHABET)


def test_a_username_held_by_someone_else_is_not_handed_out(staff_a, head_a, insured_person):
    User.objects.create(username=insured_person.national_code)
    request = approved(staff_a, head_a, insured_person)
    with pytest.raises(DomainError, match="پیش‌تر به حساب دیگری داده شده است"):
        services.request_allocate(actor=act(staff_a), request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_a_lost_letter_before_delivery_is_replaced_and_the_first_password_dies(
    staff_a, head_a, insured_person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = issued(staff_a, head_a, insured_person)
        second = services.request_allocate(actor=act(staff_a), request=first.request)
    user = User.objects.get(username=insured_person.national_code)
    assert second.password != first.password
    assert user.check_password(second.password) and not user.check_password(first.password)
    assert SmsMessage.objects.count() == 1, "the letter was announced once"
    assert AuditEvent.objects.filter(action="credential.letter_reissued", actor=staff_a).count() == 1


def test_reissue_goes_through_approval_and_ends_the_old_password_and_every_session(
    client, staff_a, head_a, insured_person
):
    first = issued(staff_a, head_a, insured_person)
    services.request_deliver(actor=act(staff_a), request=first.request, recipient=Applicant.INSURED,
                             identity=in_person(insured_person), copy2_handed_over=True)
    user = User.objects.get(username=insured_person.national_code)
    user.set_password("my-own-secret-1405")
    user.must_change_password = False
    user.save()
    client.force_login(user)
    assert client.get("/me/").status_code == 200

    request = registered(staff_a, insured_person)
    assert request.kind == RequestKind.REISSUE
    assert client.get("/me/").status_code == 200, "only the new letter ends the old password"
    services.request_approve(actor=act(head_a), request=request)
    allocation = services.request_allocate(actor=act(staff_a), request=request)

    user.refresh_from_db()
    assert allocation.username == user.username == insured_person.national_code
    assert not user.check_password("my-own-secret-1405")
    assert user.check_password(allocation.password)
    assert user.must_change_password
    response = client.get("/me/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/")
    assert AuditEvent.objects.get(action="credential.issued", subject_id=str(request.pk)).after["account"] == (
        "password_replaced")


# The attorney -------------------------------------------------------------------------------------------------


def test_an_attorney_with_a_power_of_attorney_in_force_applies(staff_a, insured_person):
    request = prepared(staff_a, insured_person, identity=attorney_identity(), attorney=attorney())
    assert request.applicant == Applicant.ATTORNEY
    power = request.power_of_attorney
    assert (power.attorney_national_code, power.notary_office_number, power.covers_credentials) == (
        ATTORNEY_CODE, "118", True)
    assert request.identity_check.national_code == ATTORNEY_CODE
    assert request.applicant_name == "رضا محمدی"


def test_an_expired_power_of_attorney_is_refused_and_nothing_is_kept(staff_a, insured_person):
    yesterday = timezone.localdate() - timedelta(days=1)
    with refused(services.POA_EXPIRED.format(date=jdate(yesterday))):
        prepared(staff_a, insured_person, identity=attorney_identity(), attorney=attorney(expires_on=yesterday))
    assert not PowerOfAttorney.objects.exists()
    assert not CredentialRequest.objects.exists()


def test_a_power_of_attorney_that_does_not_cover_credentials_is_refused(staff_a, insured_person):
    with refused(services.POA_NOT_COVERING):
        prepared(staff_a, insured_person, identity=attorney_identity(), attorney=attorney(covers_credentials=False))


def test_the_attorneys_own_card_must_match_the_power_of_attorney(staff_a, insured_person):
    with refused(services.IDENTITY_NOT_ATTORNEY):
        prepared(staff_a, insured_person, identity=in_person(insured_person), attorney=attorney())


# Delivery -----------------------------------------------------------------------------------------------------


def test_delivery_to_the_insured_checks_identity_again_and_records_copy_2(staff_a, head_a, clerk_a, insured_person):
    request = issued(staff_a, head_a, insured_person).request
    with refused(services.COPY2_NOT_HANDED):
        services.request_deliver(actor=act(clerk_a), request=request, recipient=Applicant.INSURED,
                                 identity=in_person(insured_person), copy2_handed_over=False)
    with refused(services.IDENTITY_NOT_INSURED):
        services.request_deliver(actor=act(clerk_a), request=request, recipient=Applicant.INSURED,
                                 identity=attorney_identity(), copy2_handed_over=True)
    with refused(services.NO_ATTORNEY_ON_FILE):
        services.request_deliver(actor=act(clerk_a), request=request, recipient=Applicant.ATTORNEY,
                                 identity=attorney_identity(), copy2_handed_over=True)

    request = services.request_deliver(actor=act(clerk_a), request=request, recipient=Applicant.INSURED,
                                       identity=in_person(insured_person), copy2_handed_over=True)
    assert request.status == RequestStatus.DELIVERED
    assert (request.delivered_to, request.delivered_by, request.copy2_handed_over) == (
        Applicant.INSURED, clerk_a, True)
    assert request.delivery_check.checked_by == clerk_a
    assert request.delivery_check.pk != request.identity_check_id
    event = AuditEvent.objects.get(action="credential.delivered")
    assert event.actor_label == "clerk_a" and event.after["copy2_handed_over"] is True


def test_an_attorney_whose_power_expired_since_applying_cannot_collect(staff_a, head_a, insured_person):
    request = issued(staff_a, head_a, insured_person, identity=attorney_identity(), attorney=attorney()).request
    PowerOfAttorney.objects.filter(pk=request.power_of_attorney_id).update(
        expires_on=timezone.localdate() - timedelta(days=1))
    request.refresh_from_db()
    with pytest.raises(DomainError, match=r"اعتبار این وکالتنامه در .* به پایان رسیده است"):
        services.request_deliver(actor=act(staff_a), request=request, recipient=Applicant.ATTORNEY,
                                 identity=attorney_identity(), copy2_handed_over=True)
    # The insured in person still can.
    request = services.request_deliver(actor=act(staff_a), request=request, recipient=Applicant.INSURED,
                                       identity=in_person(insured_person), copy2_handed_over=True)
    assert request.delivered_to == Applicant.INSURED


def test_an_attorney_collects_with_their_own_card(staff_a, head_a, insured_person,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = issued(staff_a, head_a, insured_person, identity=attorney_identity(), attorney=attorney()).request
    assert sorted(SmsMessage.objects.values_list("to", flat=True)) == ["09121234567", "09351112233"]
    request = services.request_deliver(actor=act(staff_a), request=request, recipient=Applicant.ATTORNEY,
                                       identity=attorney_identity(), copy2_handed_over=True)
    assert (request.delivered_to, request.delivery_check.national_code) == (Applicant.ATTORNEY, ATTORNEY_CODE)


# The trail ----------------------------------------------------------------------------------------------------


def test_every_step_leaves_an_audit_event_naming_who_did_it(staff_a, head_a, clerk_a, insured_person):
    request = services.request_prepare(actor=act(staff_a), insured=insured_person, identity=in_person(insured_person))
    services.request_register(actor=act(clerk_a), request=request)
    services.request_approve(actor=act(head_a), request=request)
    services.request_allocate(actor=act(staff_a), request=request)
    services.request_deliver(actor=act(clerk_a), request=request, recipient=Applicant.INSURED,
                             identity=in_person(insured_person), copy2_handed_over=True)

    trail = list(AuditEvent.objects.filter(subject_type="branches.credentialrequest", subject_id=str(request.pk))
                 .order_by("at", "id").values_list("action", "actor_label", "client_ip"))
    assert trail == [
        ("credential.prepared", "staff_a", "10.0.0.9"),
        ("credential.registered", "clerk_a", "10.0.0.9"),
        ("credential.approved", "head_a", "10.0.0.9"),
        ("credential.issued", "staff_a", "10.0.0.9"),
        ("credential.delivered", "clerk_a", "10.0.0.9"),
    ]
    history = [(h.to_status, h.actor.username) for h in request.history.all()]
    assert history == [("draft", "staff_a"), ("registered", "clerk_a"), ("approved", "head_a"),
                       ("issued", "staff_a"), ("delivered", "clerk_a")]
