"""Finding an insured person of the branch by national code, insurance number or name, however it is typed."""

from __future__ import annotations

import pytest

from branches.forms.registry import SEARCH_TOO_SHORT
from branches.tests.registry_builders import register_person, valid_national_code
from samt.persian import to_persian_digits

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(branch_a, branch_b, staff_a, staff_b):
    return {
        "reza": register_person(branch_a, staff_a, seed=21, first_name="محمد رضا", last_name="کاظمی").insured,
        "yasaman": register_person(branch_a, staff_a, seed=22, first_name="یاسمن", last_name="نیک‌پور").insured,
        "other_branch": register_person(branch_b, staff_b, seed=23, first_name="محمد", last_name="کاظمی").insured,
    }


def found(client, query: str) -> str:
    response = client.get("/branch/2104/insured/", {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_a_national_code_typed_in_persian_digits_finds_the_person(client_for, staff_a, people):
    html = found(client_for(staff_a), to_persian_digits(valid_national_code(21)))
    assert "محمد رضا کاظمی" in html
    assert f'href="/branch/2104/insured/{people["reza"].pk}/"' in html
    assert "یاسمن" not in html


def test_an_insurance_number_finds_the_person(client_for, staff_a, people):
    html = found(client_for(staff_a), "00000022")
    assert "یاسمن نیک‌پور" in html
    assert "محمد رضا" not in html


def test_a_national_code_without_its_leading_zeros_finds_the_person(client_for, staff_a, branch_a):
    register_person(branch_a, staff_a, seed=70, first_name="سارا", last_name="امینی")
    code = valid_national_code(70)
    assert code.startswith("00")
    assert "سارا امینی" in found(client_for(staff_a), code.lstrip("0"))


def test_a_name_typed_with_arabic_letters_finds_the_persian_spelling(client_for, staff_a, people):
    html = found(client_for(staff_a), "كاظمي")
    assert "محمد رضا کاظمی" in html
    assert "۱ نتیجه" in html  # not the Kazemi of branch B


def test_a_name_typed_joined_or_in_part_finds_the_person(client_for, staff_a, people):
    client = client_for(staff_a)
    assert "محمد رضا کاظمی" in found(client, "محمدرضا")
    assert "محمد رضا کاظمی" in found(client, "رضا کاظ")
    assert "یاسمن نیک‌پور" in found(client, "نیک پور")


def test_people_of_another_branch_are_never_found(client_for, staff_a, people):
    html = found(client_for(staff_a), valid_national_code(23))
    assert "نتیجه‌ای پیدا نشد" in html


def test_a_one_letter_search_asks_for_more(client_for, staff_a, people):
    html = found(client_for(staff_a), "م")
    assert SEARCH_TOO_SHORT in html


def test_nothing_found_offers_to_register_the_person(client_for, staff_a, people):
    html = found(client_for(staff_a), "ناشناس")
    assert "نتیجه‌ای پیدا نشد" in html
    assert 'href="/branch/2104/insured/new/"' in html
