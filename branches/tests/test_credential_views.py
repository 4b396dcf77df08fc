"""The credential pages: scoping (another branch's request is a 404), the forms, the head's queue on the
branch page, and the first login of the insured that ends on their contract summary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from branches import services
from branches.models import CredentialRequest, RequestStatus
from branches.tests.credential_support import (
    ATTORNEY_CODE,
    approved,
    issued,
    make_insured,
    prepared,
    registered,
)
from conftest import PASSWORD, make_user
from samt.jalali import JalaliMonth
from samt.models import AuditEvent, User
from samt.persian import to_persian_digits
from samt.templatetags.samt_format import jdate

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def url(request: CredentialRequest, suffix: str = "") -> str:
    return f"/branch/{request.branch.code}/credentials/{request.number}/{suffix}"


# Scope ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "suffix"), [
    ("get", ""), ("get", "form.pdf"), ("get", "letter.pdf"), ("get", "deliver/"), ("post", "register/"),
    ("post", "decide/"), ("post", "cancel/"), ("post", "allocate/"),
])
def test_staff_of_branch_2107_get_404_on_a_request_of_2104(client_for, staff_a, head_a, staff_b, insured_person,
                                                            method, suffix):
    request = issued(staff_a, head_a, insured_person).request
    client = client_for(staff_b)
    assert getattr(client, method)(url(request, suffix)).status_code == 404
    # Nor through their own branch's address.
    assert getattr(client, method)(f"/branch/2107/credentials/{request.number}/{suffix}").status_code == 404


def test_staff_of_2107_cannot_list_or_open_the_new_request_page_of_2104(client_for, staff_b):
    client = client_for(staff_b)
    assert client.get("/branch/2104/credentials/").status_code == 404
    assert client.get("/branch/2104/credentials/new/").status_code == 404


def test_hq_of_the_province_may_read_but_not_act(client_for, staff_a, hq_user, insured_person):
    request = prepared(staff_a, insured_person)
    client = client_for(hq_user)
    assert client.get(url(request)).status_code == 200
    assert client.post(url(request, "register/")).status_code == 403


def test_an_insured_person_has_no_business_on_branch_pages(client_for, staff_a, insured_user, insured_person):
    request = prepared(staff_a, insured_person)
    assert client_for(insured_user).get(url(request)).status_code == 403


def test_the_list_shows_only_this_branchs_requests(client_for, staff_a, staff_b, branch_b, insured_person):
    ours = prepared(staff_a, insured_person)
    theirs = prepared(staff_b, make_insured(staff_b, branch_b, serial=777))
    numbers = [r.number for r in client_for(staff_a).get("/branch/2104/credentials/").context["page"]]
    assert numbers == [ours.number]
    assert theirs.number not in client_for(staff_a).get("/branch/2104/credentials/?status=draft").content.decode()


# Preparing through the page ------------------------------------------------------------------------------------


def test_staff_find_the_insured_by_a_code_typed_in_persian_digits_and_prepare_a_draft(
    client_for, staff_a, insured_person
):
    client = client_for(staff_a)
    typed = to_persian_digits(insured_person.national_code)
    page = client.get("/branch/2104/credentials/new/", {"national_code": typed})
    body = page.content.decode()
    assert "مریم احمدی" in body and "علی" in body and jdate(insured_person.birth_date) in body

    response = client.post("/branch/2104/credentials/new/", {
        "national_code": insured_person.national_code, "applicant": "insured", "saw_national_card": "on",
        "details_match": "on",
    })
    request = CredentialRequest.objects.get()
    assert response.headers["Location"] == url(request)
    assert request.prepared_by == staff_a and request.status == RequestStatus.DRAFT

    response = client.post(url(request, "register/"))
    request.refresh_from_db()
    assert request.status == RequestStatus.REGISTERED
    assert any("در دبیرخانه ثبت شد" in m for m in messages_of(response))
    assert request.secretariat_number_fa in client.get(url(request)).content.decode()


def test_an_unknown_or_other_branch_code_finds_nobody(client_for, staff_a, staff_b, branch_b):
    elsewhere = make_insured(staff_b, branch_b, serial=888)
    page = client_for(staff_a).get("/branch/2104/credentials/new/", {"national_code": elsewhere.national_code})
    assert "در این شعبه ثبت نشده است" in page.content.decode()
    assert page.context["form"] is None


def test_the_page_refuses_without_a_document_or_a_match(client_for, staff_a, insured_person):
    response = client_for(staff_a).post("/branch/2104/credentials/new/", {
        "national_code": insured_person.national_code, "applicant": "insured",
    })
    body = response.content.decode()
    assert "دست‌کم یکی از دو مدرک" in body
    assert "بدون تطبیق مدرک با دارنده‌اش نمی‌توان ادامه داد." in body
    assert not CredentialRequest.objects.exists()


def attorney_post(insured, **changes: str) -> dict[str, str]:
    today = timezone.localdate()
    data = {
        "national_code": insured.national_code, "applicant": "attorney", "saw_national_card": "on",
        "details_match": "on", "attorney_national_code": ATTORNEY_CODE, "attorney_first_name": "رضا",
        "attorney_last_name": "محمدی", "attorney_mobile": "۰۹۳۵۱۱۱۲۲۳۳", "notary_office_number": "118",
        "notary_city": "تهران", "document_number": "1405-8821", "document_date": jdate(today - timedelta(days=20)),
        "expires_on": jdate(today + timedelta(days=200)), "covers_credentials": "on",
    }
    return {**data, **changes}


def test_an_attorney_request_with_every_field(client_for, staff_a, insured_person):
    response = client_for(staff_a).post("/branch/2104/credentials/new/", attorney_post(insured_person))
    assert response.status_code == 302
    request = CredentialRequest.objects.get()
    assert request.power_of_attorney.attorney_mobile == "09351112233"
    assert request.identity_check.full_name == "رضا محمدی"


def test_an_expired_power_of_attorney_is_refused_on_the_page(client_for, staff_a, insured_person):
    expired = jdate(timezone.localdate() - timedelta(days=3))
    response = client_for(staff_a).post("/branch/2104/credentials/new/",
                                        attorney_post(insured_person, expires_on=expired))
    assert response.status_code == 200
    assert services.POA_EXPIRED.format(date=expired) in response.content.decode()
    assert not CredentialRequest.objects.exists()


def test_the_attorney_fields_are_required_for_an_attorney(client_for, staff_a, insured_person):
    response = client_for(staff_a).post("/branch/2104/credentials/new/",
                                        attorney_post(insured_person, document_number="", expires_on=""))
    errors = response.context["form"].errors
    assert errors["document_number"] == ["برای درخواست وکیل این مورد لازم است."]
    assert errors["expires_on"] == ["برای درخواست وکیل این مورد لازم است."]


# Deciding, allocating, delivering ------------------------------------------------------------------------------


def test_the_preparer_is_refused_and_the_head_approves_through_the_page(client_for, staff_a, head_a, insured_person):
    request = registered(staff_a, insured_person)
    staff_page = client_for(staff_a).get(url(request)).content.decode()
    assert "تأیید درخواست" not in staff_page
    assert "تأیید یا رد آن با شما نیست" in staff_page

    response = client_for(staff_a).post(url(request, "decide/"), {"decision": "approve"})
    assert any("با نقش شما ممکن نیست" in m for m in messages_of(response))
    request.refresh_from_db()
    assert request.status == RequestStatus.REGISTERED

    head = client_for(head_a)
    assert "تأیید درخواست" in head.get(url(request)).content.decode()
    head.post(url(request, "decide/"), {"decision": "approve"})
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RequestStatus.APPROVED, head_a)


def test_the_head_rejects_only_with_a_reason(client_for, staff_a, head_a, insured_person):
    request = registered(staff_a, insured_person)
    head = client_for(head_a)
    response = head.post(url(request, "decide/"), {"decision": "reject", "reason": ""})
    assert services.REASON_REQUIRED in messages_of(response)
    head.post(url(request, "decide/"), {"decision": "reject", "reason": "وکالتنامه اصل نبود"})
    request.refresh_from_db()
    assert (request.status, request.reason) == (RequestStatus.REJECTED, "وکالتنامه اصل نبود")


def test_allocating_an_unapproved_request_says_why(client_for, staff_a, insured_person):
    request = registered(staff_a, insured_person)
    response = client_for(staff_a).post(url(request, "allocate/"))
    assert response.status_code == 302
    assert any("«تخصیص نام کاربری و گذرواژه» برای آن ممکن نیست" in m for m in messages_of(response))


def test_the_request_page_says_the_password_is_not_shown_again(client_for, staff_a, head_a, insured_person):
    request = issued(staff_a, head_a, insured_person).request
    body = client_for(staff_a).get(url(request)).content.decode()
    assert "بارگیری دوباره نامه <strong>بدون گذرواژه</strong> است" in body


def test_delivery_through_the_page(client_for, staff_a, head_a, clerk_a, insured_person):
    request = issued(staff_a, head_a, insured_person).request
    client = client_for(clerk_a)
    form = {"recipient": "insured", "national_code": insured_person.national_code, "saw_national_card": "on",
            "details_match": "on"}
    response = client.post(url(request, "deliver/"), form)
    assert services.COPY2_NOT_HANDED in response.content.decode()

    response = client.post(url(request, "deliver/"), {**form, "national_code": ATTORNEY_CODE,
                                                       "copy2_handed_over": "on"})
    assert services.IDENTITY_NOT_INSURED in response.content.decode()

    response = client.post(url(request, "deliver/"), {**form, "copy2_handed_over": "on"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.delivered_by) == (RequestStatus.DELIVERED, clerk_a)


# The branch page -----------------------------------------------------------------------------------------------


def test_the_heads_branch_page_lists_pending_requests_oldest_first(client_for, staff_a, head_a, branch_a):
    people = [make_insured(staff_a, branch_a, serial=900 + i, last_name=f"نفر{i}") for i in range(3)]
    requests = [registered(staff_a, person) for person in people]
    now = timezone.now()
    for days, request in zip([2, 9, 0], requests, strict=True):
        CredentialRequest.objects.filter(pk=request.pk).update(registered_at=now - timedelta(days=days))
    approved(staff_a, head_a, make_insured(staff_a, branch_a, serial=950))

    page = client_for(head_a).get("/branch/2104/")
    pending = page.context.get("pending")
    body = page.content.decode()
    assert "درخواست‌های نام کاربری" in body
    assert pending is not None
    assert [r.pk for r in pending] == [requests[1].pk, requests[0].pk, requests[2].pk]
    assert [r.age_days for r in pending] == [9, 2, 0]
    assert body.index("نفر1") < body.index("نفر0") < body.index("نفر2")
    assert "۹</span> روز" in body


def test_staff_see_the_card_without_the_heads_queue(client_for, staff_a, insured_person):
    registered(staff_a, insured_person)
    body = client_for(staff_a).get("/branch/2104/").content.decode()
    assert "درخواست‌های نام کاربری" in body
    assert 'data-testid="pending-approval"' not in body
    assert "درخواست تازه" in body


# First login ---------------------------------------------------------------------------------------------------


def test_an_insured_who_must_change_the_password_goes_to_the_password_page_first(client, staff_a, head_a,
                                                                                 insured_person):
    allocation = issued(staff_a, head_a, insured_person)
    response = client.post("/login/", {"username": to_persian_digits(allocation.username),
                                       "password": allocation.password})
    assert response.status_code == 302
    for path in ("/me/", "/home/", "/branch/2104/"):
        assert client.get(path).headers["Location"] == "/password/"
    page = client.get("/password/")
    assert page.status_code == 200
    assert "پیش از هر کار دیگری" in page.content.decode()

    response = client.post("/password/", {"old_password": allocation.password, "new_password1": "my-own-secret-1405",
                                          "new_password2": "my-own-secret-1405"})
    assert response.headers["Location"] == "/home/"
    user = User.objects.get(username=allocation.username)
    assert not user.must_change_password
    assert user.check_password("my-own-secret-1405")
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=user).exists()

    home = client.get("/me/")
    assert home.status_code == 200
    summary = home.content.decode()
    contract = insured_person.contracts.get()
    for text in (to_persian_digits(contract.number), "صاحبان حرف و مشاغل آزاد", "مشاغل آزاد — نرخ ۱۴٪",
                 "۱٫۵</span> برابر حداقل دستمزد", JalaliMonth.current().label, "هنوز ماهی پرداخت نشده", "فعال",
                 "می‌توانید برگ پرداخت را از"):
        assert text in summary, text


def test_the_first_change_refuses_the_printed_password_again(client, staff_a, head_a, insured_person):
    allocation = issued(staff_a, head_a, insured_person)
    client.post("/login/", {"username": allocation.username, "password": allocation.password})
    response = client.post("/password/", {"old_password": allocation.password, "new_password1": allocation.password,
                                          "new_password2": allocation.password})
    assert response.status_code == 200
    assert "گذرواژه تازه باید با گذرواژه کنونی فرق داشته باشد." in response.content.decode()
    user = User.objects.get(username=allocation.username)
    assert user.must_change_password
    assert client.get("/me/").headers["Location"] == "/password/"


def test_staff_who_must_change_the_password_are_held_too(client_for, staff_a):
    staff_a.must_change_password = True
    staff_a.save()
    assert client_for(staff_a).get("/branch/2104/").headers["Location"] == "/password/"


def test_a_person_without_the_flag_goes_where_they_asked(client):
    user = make_user("0499370899")
    client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert client.get("/me/").status_code == 200

