"""Issue 4's journey in a real browser: staff check identity and register the request, print the two-copy
form, the head approves (the preparer cannot), staff allocate and download the letter, and the insured logs
in with the letter's password, is made to change it and reaches their contract summary. Then the attorney
whose power of attorney has expired is refused."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from branches.models import CredentialRequest, RequestStatus
from branches.tests.credential_support import ATTORNEY_CODE, make_insured
from conftest import PASSWORD, add_totp, current_code
from samt.jalali import JalaliMonth
from samt.models import AuditEvent
from samt.persian import ZWNJ, normalize, to_persian_digits
from samt.templatetags.samt_format import jdate
from samt.tests.browser_support import ARTIFACTS, screenshot
from samt.tests.test_browser_foundation import enter_code, path_of, submit_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "my-own-secret-1405"


def new_page(browser, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="fa-IR")
    return context.new_page()


def staff_login(page, live_server, user, device) -> None:
    submit_login(page, live_server, user.username, PASSWORD)
    enter_code(page, current_code(device), "تأیید")
    assert path_of(page, live_server) == "/branch/2104/"


def pdf_text(data: bytes, name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return "".join(normalize(text).replace(ZWNJ, "").replace(":", "").split())


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def prepare_in_browser(page, insured) -> None:
    page.get_by_role("link", name="درخواست تازه").click()
    page.fill("#id_national_code", to_persian_digits(insured.national_code))
    page.get_by_role("button", name="یافتن پرونده").click()
    facts = page.get_by_test_id("insured-facts").inner_text()
    assert insured.full_name in facts and insured.father_name in facts


def test_the_credential_journey_from_the_counter_to_the_insureds_home(browser, page, live_server, staff_a, head_a,
                                                                      branch_a):
    staff_device, head_device = add_totp(staff_a), add_totp(head_a)
    insured = make_insured(staff_a, branch_a)

    # Staff: verify identity and prepare, then register in the secretariat.
    staff_login(page, live_server, staff_a, staff_device)
    prepare_in_browser(page, insured)
    assert page.locator("#attorney-fields").is_hidden(), "the attorney fields show only for an attorney"
    page.get_by_label("اصل کارت ملی را دیدم").check()
    page.get_by_label(re.compile("عکس مدرک به کسی که جلوی شماست")).check()
    screenshot(page, "credential_new_request")
    page.get_by_role("button", name="ساختن پیش‌نویس درخواست").click()
    assert page.get_by_test_id("status").inner_text() == "پیش‌نویس"
    page.get_by_role("button", name="ثبت در دبیرخانه").click()
    request = CredentialRequest.objects.get()
    assert request.status == RequestStatus.REGISTERED
    assert page.get_by_test_id("secretariat-number").inner_text().startswith(request.secretariat_number_fa)
    screenshot(page, "credential_registered")
    page.set_viewport_size({"width": 360, "height": 740})
    no_sideways_scroll(page)
    screenshot(page, "credential_registered_360px")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Print the two-copy form.
    form_pdf = page.request.get(live_server.url + page.get_by_test_id("form-pdf").get_attribute("href"))
    assert form_pdf.headers["content-type"] == "application/pdf"
    form_text = pdf_text(form_pdf.body(), "journey_request_form")
    assert "نسخهاولپروندهفنی" in form_text and "نسخهدومبیمهشده" in form_text
    assert form_text.count(request.secretariat_number) == 2

    # The preparer is not offered the decision, and the server refuses it when forced.
    assert page.get_by_test_id("awaiting-head").is_visible()
    assert page.get_by_role("button", name="تأیید درخواست").count() == 0
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    forced = page.request.post(f"{live_server.url}/branch/2104/credentials/{request.number}/decide/",
                               form={"csrfmiddlewaretoken": token, "decision": "approve"})
    assert "«تأیید رئیس شعبه» با نقش شما ممکن نیست" in forced.text()
    request.refresh_from_db()
    assert request.status == RequestStatus.REGISTERED

    # The head sees it waiting on the branch page and approves it.
    head = new_page(browser)
    staff_login(head, live_server, head_a, head_device)
    queue = head.get_by_test_id("pending-approval")
    assert insured.full_name in queue.inner_text()
    screenshot(head, "credential_head_branch_page")
    head.set_viewport_size({"width": 360, "height": 740})
    no_sideways_scroll(head)
    screenshot(head, "credential_head_branch_page_360px")
    head.set_viewport_size({"width": 1280, "height": 800})
    queue.get_by_role("link", name=request.secretariat_number_fa).click()
    head.get_by_role("button", name="تأیید درخواست").click()
    assert head.get_by_test_id("status").inner_text() == "تأییدشده، در انتظار تخصیص"
    head.context.close()

    # Staff allocate: the letter downloads, with the password printed once.
    page.reload()
    with page.expect_download() as download:
        page.get_by_role("button", name="تخصیص نام کاربری و گذرواژه و بارگیری نامه").click()
    letter = pdf_text(download.value.path().read_bytes(), "journey_letter")
    password = re.search(r"گذرواژهنخستینورود([a-z0-9]{12})", letter)[1]
    assert "محرمانه" in letter and insured.national_code in letter
    page.wait_for_load_state()
    page.get_by_test_id("letter-once").wait_for()
    assert page.get_by_test_id("status").inner_text() == "نامه صادرشده، در انتظار تحویل"
    screenshot(page, "credential_issued")

    # The insured logs in with the letter's password and must change it before anything else.
    person = new_page(browser)
    submit_login(person, live_server, to_persian_digits(insured.national_code), password)
    assert path_of(person, live_server) == "/password/"
    assert person.get_by_test_id("forced-change").is_visible()
    person.goto(f"{live_server.url}/me/")
    assert path_of(person, live_server) == "/password/"
    screenshot(person, "credential_forced_password_change")
    person.fill("#id_old_password", password)
    person.fill("#id_new_password1", NEW_PASSWORD)
    person.fill("#id_new_password2", NEW_PASSWORD)
    person.get_by_role("button", name="ذخیره گذرواژه تازه").click()
    assert path_of(person, live_server) == "/me/"
    summary = person.get_by_test_id("contract-summary").inner_text()
    contract = insured.contracts.get()
    for text in (to_persian_digits(contract.number), "مشاغل آزاد — نرخ ۱۴٪", "۱٫۵ برابر حداقل دستمزد",
                 JalaliMonth.current().label, "فعال", "می‌توانید برگ پرداخت را از"):
        assert text in summary, text
    screenshot(person, "credential_insured_home")
    person.set_viewport_size({"width": 360, "height": 740})
    no_sideways_scroll(person)
    screenshot(person, "credential_insured_home_360px")
    person.context.close()

    # Every step left an event naming who took it.
    trail = list(AuditEvent.objects.filter(subject_type="branches.credentialrequest", subject_id=str(request.pk))
                 .order_by("at", "id").values_list("action", "actor_label"))
    assert trail == [("credential.prepared", "staff_a"), ("credential.registered", "staff_a"),
                     ("credential.approved", "head_a"), ("credential.issued", "staff_a")]
    assert AuditEvent.objects.filter(action="auth.password_changed", actor_label=insured.national_code).exists()


def test_an_attorney_with_an_expired_power_of_attorney_is_refused(page, live_server, staff_a, branch_a):
    device = add_totp(staff_a)
    insured = make_insured(staff_a, branch_a)
    expired = timezone.localdate() - timedelta(days=5)

    staff_login(page, live_server, staff_a, device)
    prepare_in_browser(page, insured)
    page.get_by_label("وکیل بیمه‌شده").check()
    assert page.locator("#attorney-fields").is_visible()
    page.fill("#id_attorney_national_code", to_persian_digits(ATTORNEY_CODE))
    page.fill("#id_attorney_first_name", "رضا")
    page.fill("#id_attorney_last_name", "محمدی")
    page.fill("#id_attorney_mobile", "۰۹۳۵۱۱۱۲۲۳۳")
    page.fill("#id_notary_office_number", "۱۱۸")
    page.fill("#id_notary_city", "تهران")
    page.fill("#id_document_number", "1403-5521")
    page.fill("#id_document_date", jdate(expired - timedelta(days=365)))
    page.fill("#id_expires_on", jdate(expired))
    page.get_by_label(re.compile("اختیار درخواست و دریافت نام کاربری")).check()
    page.get_by_label("اصل کارت ملی را دیدم").check()
    page.get_by_label(re.compile("عکس مدرک به کسی که جلوی شماست")).check()
    page.get_by_role("button", name="ساختن پیش‌نویس درخواست").click()

    error = page.get_by_test_id("form-error").inner_text()
    assert f"اعتبار این وکالتنامه در {jdate(expired)} به پایان رسیده است" in error
    assert not CredentialRequest.objects.exists()
    screenshot(page, "credential_attorney_expired")
    page.set_viewport_size({"width": 360, "height": 740})
    no_sideways_scroll(page)
    screenshot(page, "credential_attorney_expired_360px")
