"""The insured's main pages stay within the first-load budget (design.md: 150 KB, compressed), counted as a
browser with an empty cache downloads them: the HTML, the stylesheets, the script and the font."""

from __future__ import annotations

import pytest
import time_machine

from insured.models import Slip
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from samt.jalali import JalaliMonth as M
from samt.tests.first_load import FIRST_LOAD_BUDGET, first_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def insured_client(client_for, staff_a, branch_a, insured_user):
    with time_machine.travel(AZAR_1405, tick=False):
        contract = make_contract(staff_a, branch_a)
        pay_months(contract, M(1405, 1), M(1405, 6))
        contract.insured.user = insured_user
        contract.insured.save(update_fields=["user"])
        yield client_for(insured_user)


def test_the_insured_pages_load_within_the_budget(insured_client):
    page = insured_client.get("/me/quote/", {"end": 140512})
    key = page.context["issue_form"].initial["request_key"]
    insured_client.post("/me/slips/issue/", {"end": 140512, "request_key": key})
    slip = Slip.objects.get()
    for path in ("/me/", "/me/quote/", "/me/slips/", f"/me/slips/{slip.number}/", "/me/months/",
                 "/calculator/"):
        response = insured_client.get(path)
        assert response.status_code == 200, path
        sizes = first_load(response.content.decode())
        assert "vendor/vazirmatn/Vazirmatn-subset.woff2" in sizes, (path, sizes)
        assert sum(sizes.values()) <= FIRST_LOAD_BUDGET, (path, sizes)
