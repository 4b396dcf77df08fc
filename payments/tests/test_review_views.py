"""The expert's file on one payment (/pay/hq/review/<order>/): what happened, in Persian, and the form that closes a
manual review. Only the HQ manager and senior technical expert of the payer's province (or national ones) open
it; everyone else gets 404, so an order number reveals nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from payments import forms
from payments.models import PaymentAttempt, ReviewFinding, State
from payments.tests.scenario_support import reload, start
from payments.tests.test_hq_sees_payment_alerts import reverse_fails
from payments.tests.test_payer_notices import in_state
from payments.views import REVIEW_CLOSED
from samt.models import Role

pytestmark = pytest.mark.django_db

NOTE = "بانک تأیید کرد تراکنش ناموفق بوده است."


@pytest.fixture
def in_review(slip, insured_user, portal_gateway) -> PaymentAttempt:
    return in_state(start(slip, insured_user), State.MANUAL_REVIEW, kept=False)


def url(attempt: PaymentAttempt) -> str:
    return reverse("payments:review", args=[attempt.order_id])


def test_the_hq_manager_reads_the_payment_and_its_log_in_persian(slip, insured_user, payer, portal_gateway,
                                                                 monkeypatch, client_for, hq_user):
    attempt = reverse_fails(slip, insured_user, payer, monkeypatch)
    response = client_for(hq_user).get(url(attempt))
    page = response.content.decode()
    assert response.status_code == 200
    person = slip.contract.insured
    assert attempt.order_id in page and person.full_name in page and "۵۹٬۸۵۱٬۹۸۰" in page
    assert "وجه نزد بانک است" in page  # a failed reverse: money to return by hand
    assert "از «در انتظار برگشت وجه» به «نیازمند بررسی کارشناس»" in page
    assert "برگشت وجه" in page and "خطای ارتباط با بانک" in page  # what the bank said (nothing: it was down)
    assert 'name="finding"' in page and 'name="refund_reference"' in page and "csrfmiddlewaretoken" in page
    # The home's "needs a person" list leads here.
    assert f'href="{url(attempt)}"' in client_for(hq_user).get("/hq/").content.decode()


def test_the_technical_experts_home_lists_the_reviews(in_review, client_for, province):
    expert = make_user("tech", role=Role.HQ_TECHNICAL, province=province)
    home = client_for(expert).get("/hq/technical/").content.decode()
    assert f'href="{url(in_review)}"' in home


@pytest.mark.parametrize("who", ["other_province_hq", "broker_affairs", "data_processing", "branch_staff",
                                 "operator", "insured"])
def test_anyone_else_gets_404(in_review, who, client_for, other_province, province, staff_a, broker_operator,
                              insured_user):
    user = {
        "other_province_hq": lambda: make_user("hq_far", role=Role.HQ, province=other_province),
        "broker_affairs": lambda: make_user("brokers", role=Role.BROKER_AFFAIRS, province=province),
        "data_processing": lambda: make_user("dp", role=Role.DATA_PROCESSING, province=province),
        "branch_staff": lambda: staff_a,
        "operator": lambda: broker_operator,
        "insured": lambda: insured_user,
    }[who]()
    client = client_for(user)
    assert client.get(url(in_review)).status_code == 404
    assert client.post(url(in_review), {"finding": ReviewFinding.NO_MONEY_TAKEN, "note": NOTE}).status_code == 404
    assert reload(in_review).state == State.MANUAL_REVIEW


def test_an_unknown_order_is_404_and_a_visitor_is_sent_to_log_in(in_review, client_for, hq_user):
    assert client_for(hq_user).get(reverse("payments:review", args=["123456789012345678"])).status_code == 404
    visitor = Client().get(url(in_review))
    assert visitor.status_code == 302 and "/login/" in visitor["Location"]


def test_the_form_says_what_is_missing_in_persian(in_review, client_for, hq_user):
    client = client_for(hq_user)
    empty = client.post(url(in_review), {}).content.decode()
    assert forms.FINDING_REQUIRED in empty and forms.NOTE_REQUIRED in empty
    no_reference = client.post(url(in_review), {"finding": ReviewFinding.REFUNDED, "note": NOTE}).content.decode()
    assert forms.REFERENCE_REQUIRED in no_reference
    bad_reference = client.post(url(in_review), {"finding": ReviewFinding.REFUNDED, "note": NOTE,
                                                 "refund_reference": "مرجع؛ ۱۲"}).content.decode()
    assert forms.REFERENCE_INVALID in bad_reference
    assert reload(in_review).state == State.MANUAL_REVIEW


def test_a_get_changes_nothing_and_a_post_without_the_csrf_token_is_refused(in_review, client_for, hq_user):
    client = client_for(hq_user)
    client.get(url(in_review), {"finding": ReviewFinding.NO_MONEY_TAKEN, "note": NOTE})
    client.handler.enforce_csrf_checks = True
    assert client.post(url(in_review), {"finding": ReviewFinding.NO_MONEY_TAKEN, "note": NOTE}).status_code == 403
    assert reload(in_review).state == State.MANUAL_REVIEW


def test_the_technical_expert_closes_it_with_persian_digits_in_the_reference(slip, insured_user, payer,
                                                                             portal_gateway, monkeypatch,
                                                                             client_for, province):
    attempt = reverse_fails(slip, insured_user, payer, monkeypatch)
    expert = make_user("tech", role=Role.HQ_TECHNICAL, province=province)
    client = client_for(expert)
    refused = client.post(url(attempt), {"finding": ReviewFinding.NO_MONEY_TAKEN, "note": NOTE}, follow=True)
    assert "مبلغ از کارت برداشته شده است" in refused.content.decode()  # the service's refusal, shown
    response = client.post(url(attempt), {"finding": ReviewFinding.REFUNDED, "note": NOTE,
                                          "refund_reference": "۱۴۰۵۰۹۰۴۷۷"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain == [(url(attempt), 302)]
    assert REVIEW_CLOSED in page and 'name="finding"' not in page
    assert reload(attempt).state == State.REFUNDED
    assert "1405090477" in page and NOTE in page  # the log keeps the reference and the note


def quoted(order_id: str) -> str:
    """The order number as a payer reads it out from their SMS: Persian digits, in groups of six."""
    persian = order_id.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    return " ".join(persian[i:i + 6] for i in range(0, len(persian), 6))


@pytest.mark.parametrize("home", ["/hq/", "/hq/technical/"])
def test_the_expert_finds_a_payment_by_the_number_its_payer_quotes(in_review, client_for, hq_user, province, home):
    user = hq_user if home == "/hq/" else make_user("tech", role=Role.HQ_TECHNICAL, province=province)
    client = client_for(user)
    assert f'action="{reverse("payments:review_find")}"' in client.get(home).content.decode()
    found = client.get(reverse("payments:review_find"), {"order": quoted(in_review.order_id)})
    assert found.status_code == 302 and found["Location"] == url(in_review)


@pytest.mark.parametrize("order", ["123456789012345678", "", "abc"])
def test_a_number_not_found_says_so_on_the_home_page(in_review, client_for, hq_user, order):
    response = client_for(hq_user).get(reverse("payments:review_find"), {"order": order}, follow=True)
    assert response.redirect_chain[-1][0] == "/hq/"
    assert "پرداختی با این شماره سفارش در حوزه شما پیدا نشد" in response.content.decode()


@pytest.mark.parametrize("who", ["other_province_hq", "branch_staff"])
def test_a_payment_outside_the_readers_scope_is_not_found_either(in_review, client_for, other_province, staff_a,
                                                                 who):
    user = make_user("hq_far", role=Role.HQ, province=other_province) if who == "other_province_hq" else staff_a
    response = client_for(user).get(reverse("payments:review_find"), {"order": in_review.order_id}, follow=True)
    page = response.content.decode()
    assert "پرداختی با این شماره سفارش در حوزه شما پیدا نشد" in page
    assert in_review.order_id not in page
