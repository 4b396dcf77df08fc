"""The insured's slip pages: quote, issue, the slip, its PDF, the list, the timeline, public verification."""

from __future__ import annotations

import subprocess

import pytest
import time_machine
from django.urls import reverse

from conftest import PASSWORD
from insured.models import Slip, SlipStatus
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from samt.jalali import JalaliMonth as M

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def azar_1405():
    with time_machine.travel(AZAR_1405, tick=False):
        yield


@pytest.fixture
def contract(staff_a, branch_a, insured_user):
    contract = make_contract(staff_a, branch_a)
    pay_months(contract, M(1405, 1), M(1405, 6))
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    return contract


@pytest.fixture
def insured_client(client_for, insured_user, contract):
    return client_for(insured_user)


def test_the_quote_starts_at_the_first_unpaid_month_and_offers_totals(insured_client):
    body = insured_client.get("/me/quote/").content.decode()
    assert "نخستین ماه پرداخت‌نشده شما <strong>مهر ۱۴۰۵</strong>" in body
    # one month (Mehr, 30 days × 5,541,850 × 12 %) and the rest of the year (Mehr..Esfand)
    assert "۱۹٬۹۵۰٬۶۶۰ ریال" in body
    assert "۵٬۵۴۱٬۸۵۰ × ۳۰ روز × ۱۲٪" in body
    assert not Slip.objects.exists()


def test_choosing_an_end_month_quotes_that_period(insured_client):
    response = insured_client.get("/me/quote/", {"end": 140508})
    assert response.context["quote"].total == 2 * 19_950_660


def test_issuing_makes_a_slip_and_shows_it(insured_client):
    page = insured_client.get("/me/quote/", {"end": 140509})
    key = page.context["issue_form"].initial["request_key"]
    response = insured_client.post("/me/slips/issue/", {"end": 140509, "request_key": key}, follow=True)
    slip = Slip.objects.get()
    assert (slip.first_month, slip.last_month, slip.total) == (M(1405, 7), M(1405, 9), 59_851_980)
    body = response.content.decode()
    assert "برگ پرداخت صادر شد" in body
    assert "۵۹٬۸۵۱٬۹۸۰ ریال" in body
    assert "مهر ۱۴۰۵ تا آذر ۱۴۰۵" in body
    assert "۱۴۰۵/۰۹/۳۰" in body  # payable until the end of Azar


def test_a_double_submit_makes_one_slip(insured_client):
    form = {"end": 140509, "request_key": "same-form"}
    insured_client.post("/me/slips/issue/", form)
    insured_client.post("/me/slips/issue/", form)
    assert Slip.objects.count() == 1


def test_a_month_past_esfand_is_refused_with_a_message(insured_client):
    response = insured_client.post("/me/slips/issue/", {"end": 140601, "request_key": "k"}, follow=True)
    assert "برگ پرداخت فقط تا پایان سال جاری صادر می‌شود؛ آخرین ماه ممکن اسفند ۱۴۰۵ است." in response.content.decode()
    assert not Slip.objects.exists()


def test_an_end_month_that_is_no_month_is_refused_by_the_form(insured_client):
    response = insured_client.post("/me/slips/issue/", {"end": 140513, "request_key": "k"}, follow=True)
    assert "ماه پایان را از فهرست انتخاب کنید" in response.content.decode()
    assert not Slip.objects.exists()


def test_another_persons_slip_is_a_404(insured_client, staff_a, branch_a):
    other = make_contract(staff_a, branch_a, serial=9990001, first_month=M(1405, 7))
    from insured.slips import slip_issue
    from samt.actors import Actor

    slip = slip_issue(actor=Actor.for_user(staff_a), contract=other, end_month=M(1405, 9), channel="branch")
    assert insured_client.get(f"/me/slips/{slip.number}/").status_code == 404
    assert insured_client.get(f"/me/slips/{slip.number}/pdf/").status_code == 404


def test_the_slip_pdf_carries_the_number_months_and_total(insured_client, tmp_path):
    insured_client.post("/me/slips/issue/", {"end": 140509, "request_key": "pdf"})
    slip = Slip.objects.get()
    response = insured_client.get(f"/me/slips/{slip.number}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "برگ پرداخت حق بیمه" in text
    assert "۵۹٬۸۵۱٬۹۸۰" in text
    assert slip.number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in text
    assert "۱۴۰۵/۰۹/۳۰" in text


def test_the_slip_page_and_its_pdf_each_draw_only_the_code_they_show(insured_client, qr_drawn):
    insured_client.post("/me/slips/issue/", {"end": 140509, "request_key": "qr"})
    slip = Slip.objects.get()
    body = insured_client.get(f"/me/slips/{slip.number}/").content.decode()
    assert qr_drawn == [f"http://testserver/verify/?code={slip.public_code}"]
    assert 'aria-label="کد QR برای بررسی اصالت برگ"><svg' in body
    qr_drawn.clear()
    insured_client.get(f"/me/slips/{slip.number}/pdf/")
    assert qr_drawn == [f"http://testserver{reverse('pay_public:slip', args=[slip.public_code])}"]


def test_the_timeline_shows_paid_and_unpaid_months(insured_client):
    body = insured_client.get("/me/months/").content.decode()
    assert "شهریور ۱۴۰۵ پرداخت‌شده" in body
    assert "مهر ۱۴۰۵ پرداخت‌نشده" in body
    assert "دی ۱۴۰۵ هنوز سررسید نشده" in body


def test_a_lapsed_person_is_told_why_and_where_to_go(client_for, insured_user, staff_a, branch_a):
    contract = make_contract(staff_a, branch_a, serial=9990002)
    pay_months(contract, M(1405, 1), M(1405, 3))
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    body = client_for(insured_user).get("/me/quote/").content.decode()
    assert "قرارداد شما" in body
    assert "باطل شده" in body
    assert branch_a.name in body


class TestVerification:
    def issue(self, client) -> Slip:
        client.post("/me/slips/issue/", {"end": 140509, "request_key": "v"})
        return Slip.objects.get()

    def test_the_qr_code_shows_anyone_the_status_and_months_with_the_name_masked(self, insured_client, client):
        slip = self.issue(insured_client)
        body = client.get("/verify/", {"code": slip.public_code}).content.decode()
        assert SlipStatus(slip.status).label in body
        assert "مهر ۱۴۰۵، آبان ۱۴۰۵، آذر ۱۴۰۵" in body
        assert "م*** ر***" in body
        assert "مریم" not in body

    def test_the_slip_page_and_pdf_link_the_public_code_not_the_number(self, insured_client):
        slip = self.issue(insured_client)
        body = insured_client.get(f"/me/slips/{slip.number}/").content.decode()
        assert f"/verify/?code={slip.public_code}" in body
        assert f"/verify/?number={slip.number}" not in body

    def test_a_typed_number_alone_shows_nothing(self, insured_client, client):
        slip = self.issue(insured_client)
        body = client.get("/verify/", {"number": slip.number}).content.decode()
        assert 'data-testid="verify-result"' not in body
        assert "م*** ر***" not in body

    def test_a_typed_number_with_the_payers_national_code_shows_the_slip(self, insured_client, client, contract):
        slip = self.issue(insured_client)
        code = contract.insured.national_code
        body = client.get("/verify/", {"number": slip.number, "national_code": code}).content.decode()
        assert 'data-testid="verify-result"' in body

    def test_a_typed_number_with_someone_elses_national_code_is_not_found(self, insured_client, client):
        slip = self.issue(insured_client)
        body = client.get("/verify/", {"number": slip.number, "national_code": "0499370899"}).content.decode()
        assert 'data-testid="verify-result"' not in body
        assert "برگی با این مشخصات در سامانه نیست" in body

    def test_a_guessed_code_is_not_found(self, insured_client, client):
        self.issue(insured_client)
        body = client.get("/verify/", {"code": "A" * 22}).content.decode()
        assert 'data-testid="verify-result"' not in body

    def test_a_mistyped_number_is_refused_before_any_lookup(self, insured_client, client, contract):
        slip = self.issue(insured_client)
        wrong = slip.number[:-1] + str((int(slip.number[-1]) + 1) % 10)
        body = client.get("/verify/", {"number": wrong, "national_code": contract.insured.national_code}
                          ).content.decode()
        assert "این شماره معتبر نیست" in body
        assert "data-testid=\"verify-result\"" not in body

    def test_persian_digits_are_accepted(self, insured_client, client, contract):
        slip = self.issue(insured_client)
        persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
        query = {"number": slip.number.translate(persian),
                 "national_code": contract.insured.national_code.translate(persian)}
        assert 'data-testid="verify-result"' in client.get("/verify/", query).content.decode()

    def test_checks_are_throttled_per_address_across_servers(self, insured_client, client, settings):
        slip = self.issue(insured_client)
        settings.SAMT_THROTTLES = {**settings.SAMT_THROTTLES, "verify": (3, 600)}
        for _ in range(3):
            assert client.get("/verify/", {"code": slip.public_code}).status_code == 200
        refused = client.get("/verify/", {"code": slip.public_code})
        assert refused.status_code == 429
        assert 'data-testid="verify-result"' not in refused.content.decode()
        # Another address is counted on its own.
        assert client.get("/verify/", {"code": slip.public_code}, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_a_paid_slip_links_to_its_receipt_and_offers_no_payment(insured_client):
    from insured.slips import slip_mark_paid
    from samt.actors import Actor

    insured_client.post("/me/slips/issue/", {"end": 140507, "request_key": "paid"})
    slip = Slip.objects.get()
    slip_mark_paid(actor=Actor.system("test"), slip=slip, reference="sep:1:REF", amount=slip.total,
                   paid_at=AZAR_1405)
    body = insured_client.get(f"/me/slips/{slip.number}/").content.decode()
    assert f'href="/pay/slip/{slip.number}/receipt/"' in body
    assert "پرداخت با کارت بانکی" not in body


def test_the_home_page_promises_only_what_the_quote_gives(client_for, staff_a, branch_a, insured_user):
    """A treatment contract while HQ has not entered this year's per-capita fee: the quote refuses, so the home
    page says the same refusal and offers no button to a page that would refuse (issue 15)."""
    contract = make_contract(staff_a, branch_a, rate_code="03", treatment=True)
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    client = client_for(insured_user)
    home = client.get("/me/").content.decode()
    quote = client.get("/me/quote/").content.decode()
    assert 'data-testid="blocked"' in quote
    assert 'data-testid="gate"' in home and "می‌توانید برگ پرداخت را از" not in home
    assert 'href="/me/quote/"' not in home


def test_the_home_page_shows_the_previous_sign_in_not_this_one(client, insured_user, contract):
    first = client.post("/login/", {"username": insured_user.username, "password": PASSWORD})
    assert first.status_code == 302
    assert "این نخستین ورود شماست" in client.get("/me/").content.decode()
    client.post("/logout/")
    again = client.post("/login/", {"username": insured_user.username, "password": PASSWORD})
    assert again.status_code == 302, again.content.decode()[-3000:]
    body = client.get("/me/").content.decode()
    assert "ورود پیشین</dt><dd class=\"col-sm-8\">۱۴۰۵/۰۹/۰۴ ساعت ۱۰:۰۰</dd>" in body
