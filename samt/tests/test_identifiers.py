from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from samt import identifiers
from samt.identifiers import (
    CARD_NUMBER_INVALID,
    DOCUMENT_NUMBER_INVALID,
    LEGAL_ENTITY_ID_INVALID,
    MOBILE_INVALID,
    NATIONAL_CODE_INVALID,
    NATIONAL_CODE_LENGTH,
    SHEBA_INVALID,
    SHEBA_LENGTH,
    InvalidIdentifier,
    card_issuer,
    card_number_clean,
    document_number_clean,
    has_valid_check_digit,
    is_valid_card_number,
    is_valid_legal_entity_id,
    is_valid_national_code,
    is_valid_sheba,
    legal_entity_id_clean,
    mobile_normalize,
    mod11_check_digit,
    national_code_clean,
    national_code_normalize,
    sheba_clean,
    sheba_normalize,
    with_check_digit,
)
from samt.persian import to_persian_digits

digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=20)


def national_code_check_digit(first_nine: str) -> int:
    remainder = sum(int(first_nine[i]) * (10 - i) for i in range(9)) % 11
    return remainder if remainder < 2 else 11 - remainder


def luhn_check_digit(body: str) -> int:
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char) * (1 if position % 2 else 2)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def sheba_with_check(account: str) -> str:
    # ISO 7064: check = 98 - (BBAN + "IR00" as digits) mod 97.
    check = 98 - int(account + "182700") % 97
    return f"IR{check:02d}{account}"


def replace_digit(number: str, index: int, digit: str) -> str:
    return number[:index] + digit + number[index + 1 :]


# A first nine digits whose own rule excludes it: not one digit repeated, middle not all zero.
issuable_first_nine = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(
    lambda s: len(set(s)) > 1 and s[3:9] != "000000"
)


# National code ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["0499370899", "0084575948"])
def test_known_national_codes_are_valid(code: str) -> None:
    assert is_valid_national_code(code)
    assert national_code_clean(code) == code


def test_persian_digits_separators_and_bidi_marks_are_accepted() -> None:
    assert is_valid_national_code("۰۴۹۹۳۷۰۸۹۹")
    assert is_valid_national_code("\u200e0499370899\u200f")
    assert national_code_clean("۰۴۹-۹۳۷۰۸۹-۹") == "0499370899"
    assert national_code_clean("٠٠٨٤٥٧٥٩٤٨") == "0084575948"


@pytest.mark.parametrize(("raw", "padded"), [("499370899", "0499370899"), ("84575948", "0084575948")])
def test_short_codes_are_left_padded(raw: str, padded: str) -> None:
    assert national_code_normalize(raw) == padded
    assert is_valid_national_code(raw)


@pytest.mark.parametrize("raw", ["", "1234567", "12345678901", "04993708a9", "０４９９３７０８９９"])
def test_it_refuses_national_codes_of_the_wrong_shape(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        national_code_normalize(raw)
    assert caught.value.message == NATIONAL_CODE_LENGTH
    assert not is_valid_national_code(raw)


@pytest.mark.parametrize("digit", "0123456789")
def test_ten_identical_digits_are_refused(digit: str) -> None:
    assert not is_valid_national_code(digit * 10)


def test_codes_with_zero_middle_digits_are_refused() -> None:
    # 1230000002 passes the bare checksum but d[3..8] are all zero.
    assert not is_valid_national_code("1230000002")


def test_clean_reports_a_wrong_checksum_in_persian() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        national_code_clean("0499370898")
    assert caught.value.message == NATIONAL_CODE_INVALID
    assert str(caught.value) == NATIONAL_CODE_INVALID


@given(issuable_first_nine)
def test_a_computed_check_digit_makes_a_valid_code(first_nine: str) -> None:
    code = first_nine + str(national_code_check_digit(first_nine))
    assert is_valid_national_code(code)
    assert is_valid_national_code(to_persian_digits(code))


@given(issuable_first_nine, st.integers(0, 9))
def test_any_other_check_digit_is_refused(first_nine: str, wrong: int) -> None:
    right = national_code_check_digit(first_nine)
    assume(wrong != right)
    assert not is_valid_national_code(first_nine + str(wrong))


# Legal-entity ID ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["10380284790", "10100387143", "14007650912", "۱۰۳۸۰۲۸۴۷۹۰"])
def test_known_legal_entity_ids_are_valid(code: str) -> None:
    assert is_valid_legal_entity_id(code)


@pytest.mark.parametrize(
    "code", ["10380284791", "1038028479", "103802847900", "10300000000", "", "abcdefghijk"]
)
def test_bad_legal_entity_ids_are_refused(code: str) -> None:
    assert not is_valid_legal_entity_id(code)


def test_legal_entity_clean_returns_ascii_digits_or_a_persian_error() -> None:
    assert legal_entity_id_clean("۱۰۳ ۸۰۲۸ ۴۷۹۰") == "10380284790"
    with pytest.raises(InvalidIdentifier, match=LEGAL_ENTITY_ID_INVALID):
        legal_entity_id_clean("10380284791")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10).filter(lambda s: s[3:9] != "000000"))
def test_exactly_one_last_digit_completes_a_legal_entity_id(first_ten: str) -> None:
    assert sum(is_valid_legal_entity_id(first_ten + str(d)) for d in range(10)) == 1


# Card number -------------------------------------------------------------------------------------


@pytest.mark.parametrize("pan", ["6037991234567893", "6104 3377 0000 0001", "۶۲۱۹-۸۶۱۰-۰۰۰۰-۰۰۰۹"])
def test_valid_card_numbers(pan: str) -> None:
    assert is_valid_card_number(pan)


@pytest.mark.parametrize(
    "pan", ["6037991234567890", "603799123456789", "60379912345678933", "603799123456789x"]
)
def test_invalid_card_numbers(pan: str) -> None:
    assert not is_valid_card_number(pan)


@given(st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_luhn_accepts_a_computed_check_digit(body: str) -> None:
    pan = body + str(luhn_check_digit(body))
    assert is_valid_card_number(pan)
    assert card_number_clean(to_persian_digits(pan)) == pan


@given(
    st.text(alphabet="0123456789", min_size=15, max_size=15),
    st.integers(0, 15),
    st.sampled_from("0123456789"),
)
def test_luhn_catches_every_single_digit_change(body: str, index: int, digit: str) -> None:
    pan = body + str(luhn_check_digit(body))
    assume(pan[index] != digit)
    assert not is_valid_card_number(replace_digit(pan, index, digit))


def test_card_clean_reports_in_persian() -> None:
    with pytest.raises(InvalidIdentifier, match=CARD_NUMBER_INVALID):
        card_number_clean("6037991234567890")


@pytest.mark.parametrize(
    ("pan", "bank"),
    [
        ("6037991234567893", "بانک ملی ایران"),
        ("610433******0001", "بانک ملت"),
        ("۶۲۱۹۸۶۱۰۰۰۰۰۰۰۰۹", "بانک سامان"),
        ("5892 1012 3456 7890", "بانک سپه"),
        ("627412", "بانک اقتصاد نوین"),
        ("502229", "بانک پاسارگاد"),
        ("1234561234567890", None),
        ("", None),
    ],
)
def test_card_issuer_reads_the_first_six_digits(pan: str, bank: str | None) -> None:
    assert card_issuer(pan) == bank


# Sheba -------------------------------------------------------------------------------------------

KNOWN_SHEBA = "IR820540102680020817909002"


def test_the_known_sheba_really_passes_mod_97() -> None:
    rearranged = KNOWN_SHEBA[4:] + "1827" + KNOWN_SHEBA[2:4]
    assert int(rearranged) % 97 == 1
    assert is_valid_sheba(KNOWN_SHEBA)


@pytest.mark.parametrize(
    "raw", ["ir82 0540 1026 8002 0817 9090 02", "IR۸۲۰۵۴۰۱۰۲۶۸۰۰۲۰۸۱۷۹۰۹۰۰۲", " IR820540102680020817909002 "]
)
def test_sheba_accepts_lowercase_spaces_and_persian_digits(raw: str) -> None:
    assert is_valid_sheba(raw)
    assert sheba_normalize(raw) == KNOWN_SHEBA
    assert sheba_clean(raw) == KNOWN_SHEBA


@pytest.mark.parametrize(
    "raw",
    [
        "IR82054010268002081790900",
        "DE820540102680020817909002",
        "820540102680020817909002",
        "IR82054010268002081790900X",
    ],
)
def test_sheba_of_the_wrong_shape_is_refused(raw: str) -> None:
    assert not is_valid_sheba(raw)
    with pytest.raises(InvalidIdentifier, match=SHEBA_LENGTH):
        sheba_normalize(raw)


def test_sheba_with_a_wrong_check_is_refused_in_persian() -> None:
    with pytest.raises(InvalidIdentifier, match=SHEBA_INVALID):
        sheba_clean("IR830540102680020817909002")


@given(st.text(alphabet="0123456789", min_size=22, max_size=22))
def test_sheba_with_computed_check_digits_is_valid(account: str) -> None:
    assert is_valid_sheba(sheba_with_check(account))


@given(
    st.text(alphabet="0123456789", min_size=22, max_size=22),
    st.integers(2, 25),
    st.sampled_from("0123456789"),
)
def test_mod_97_catches_every_single_digit_change(account: str, index: int, digit: str) -> None:
    sheba = sheba_with_check(account)
    assume(sheba[index] != digit)
    assert not is_valid_sheba(replace_digit(sheba, index, digit))


# Mobile ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "09121234567",
        "9121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "+98 912 123 4567",
        "0912-123-4567",
        "(0912) 123 4567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "+۹۸۹۱۲۱۲۳۴۵۶۷",
    ],
)
def test_mobile_forms_normalise_to_09(raw: str) -> None:
    assert mobile_normalize(raw) == "09121234567"


@pytest.mark.parametrize(
    "raw", ["", "0912123456", "091212345678", "08121234567", "+449121234567", "abc", "+9809121234567"]
)
def test_bad_mobiles_are_refused_in_persian(raw: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        mobile_normalize(raw)
    assert caught.value.message == MOBILE_INVALID


# Mod-11 check digit --------------------------------------------------------------------------------


def test_mod11_known_values() -> None:
    # 123: 3*2 + 2*3 + 1*4 = 16, 16 % 11 = 5, check 11 - 5 = 6.
    assert mod11_check_digit("123") == 6
    # 5: 5*2 = 10, check 1. 11: 1*2 + 1*3 = 5, check 6. Weights wrap after 7: "1000000" has weight 2.
    assert mod11_check_digit("5") == 1
    assert mod11_check_digit("11") == 6
    assert mod11_check_digit("1000000") == mod11_check_digit("1")
    # r < 2 gives 0: "0" (r=0) and "6" (12 % 11 = 1).
    assert mod11_check_digit("0") == 0
    assert mod11_check_digit("6") == 0


def test_with_check_digit_takes_int_or_str() -> None:
    assert with_check_digit(123) == "1236"
    assert with_check_digit("123") == "1236"
    assert with_check_digit("۱۲۳") == "1236"


@pytest.mark.parametrize("bad", ["", "12a", "-12", "1.5"])
def test_mod11_refuses_non_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        mod11_check_digit(bad)


@given(digit_strings)
def test_check_digit_round_trips(body: str) -> None:
    number = with_check_digit(body)
    assert number[:-1] == body
    assert has_valid_check_digit(number)
    assert has_valid_check_digit(to_persian_digits(number))
    assert document_number_clean(number) == number


def residue(body: str) -> int:
    return sum(int(c) * (2 + i % 6) for i, c in enumerate(reversed(body))) % 11


@given(digit_strings, st.data())
def test_single_digit_changes_are_caught_except_between_residues_0_and_1(
    body: str, data: st.DataObject
) -> None:
    # Not every substitution is caught: r = 0 and r = 1 share the check digit 0.
    number = with_check_digit(body)
    index = data.draw(st.integers(0, len(number) - 1))
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != number[index]))
    changed = replace_digit(number, index, digit)
    missed = has_valid_check_digit(changed)
    if index == len(number) - 1:
        assert not missed  # a changed check digit is always caught
    else:
        assert missed == ({residue(body), residue(changed[:-1])} == {0, 1})


def test_a_substitution_moving_the_residue_from_0_to_1_goes_unnoticed() -> None:
    # Documented limit: "0" has r = 0, "6" has r = 1; both get check digit 0.
    assert has_valid_check_digit("00")
    assert has_valid_check_digit("60")


@pytest.mark.parametrize("raw", ["", "1", "1236x", "12.36"])
def test_document_numbers_of_the_wrong_shape_are_refused(raw: str) -> None:
    assert not has_valid_check_digit(raw)
    with pytest.raises(InvalidIdentifier, match=DOCUMENT_NUMBER_INVALID):
        document_number_clean(raw)


def test_document_number_with_a_wrong_check_digit_is_refused_in_persian() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        document_number_clean("1237")
    assert caught.value.message == DOCUMENT_NUMBER_INVALID


@pytest.mark.parametrize("raw", ["12345678", "۱۲۳۴۵۶۷۸۹۰", " 1234-5678 "])
def test_an_insurance_number_of_eight_to_ten_digits_is_kept_as_digits(raw):
    assert identifiers.insurance_number_clean(raw).isdigit()


@pytest.mark.parametrize("raw", ["1234567", "12345678901", "12a45678"])
def test_an_insurance_number_of_the_wrong_length_is_refused_in_persian(raw):
    with pytest.raises(identifiers.InvalidIdentifier, match="شماره بیمه باید ۸ تا ۱۰ رقم باشد"):
        identifiers.insurance_number_clean(raw)
