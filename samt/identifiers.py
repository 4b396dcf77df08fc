"""Iranian identifiers and check digits (domain.md §5), as pure functions on strings.

Callers normally pass text through `samt.persian.normalize` first; these functions normalise
again (digits, bidi marks) so that no caller can slip a second spelling past them. Spaces and
hyphens inside a number are dropped, because people type "049-937089-9" and "6037 9911 …".
`*_normalize` functions check the shape and return the stored form, raising InvalidIdentifier;
`is_valid_*` functions accept the same inputs and also check the checksum; `*_clean` functions do
both and are what forms, imports and bank callbacks call.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from samt.persian import normalize, normalize_digits

NATIONAL_CODE_LENGTH = "کد ملی باید ۱۰ رقم باشد."
NATIONAL_CODE_INVALID = "کد ملی معتبر نیست؛ ارقام را دوباره بررسی کنید."
LEGAL_ENTITY_ID_INVALID = "شناسه ملی باید ۱۱ رقم و معتبر باشد؛ ارقام را دوباره بررسی کنید."
CARD_NUMBER_INVALID = "شماره کارت باید ۱۶ رقم و معتبر باشد؛ ارقام را دوباره بررسی کنید."
SHEBA_LENGTH = "شماره شبا باید با IR شروع شود و پس از آن ۲۴ رقم بیاید."
SHEBA_INVALID = "شماره شبا معتبر نیست؛ ارقام را دوباره بررسی کنید."
MOBILE_INVALID = "شماره همراه معتبر نیست؛ آن را به شکل ۰۹۱۲۳۴۵۶۷۸۹ وارد کنید."
INSURANCE_NUMBER_INVALID = "شماره بیمه باید ۸ تا ۱۰ رقم باشد."
DOCUMENT_NUMBER_INVALID = "این شماره معتبر نیست؛ ارقام را دوباره بررسی کنید."

CARD_ISSUERS: dict[str, str] = {
    "603799": "بانک ملی ایران",
    "610433": "بانک ملت",
    "621986": "بانک سامان",
    "589210": "بانک سپه",
    "627412": "بانک اقتصاد نوین",
    "502229": "بانک پاسارگاد",
}

_SEPARATORS = re.compile(r"[\s-]+")
_LEGAL_ENTITY_WEIGHTS = (29, 27, 23, 19, 17)


class InvalidIdentifier(ValueError):
    """An identifier that cannot be accepted; `message` is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _compact(raw: str) -> str:
    return _SEPARATORS.sub("", normalize(raw))


def _is_digits(text: str, length: int) -> bool:
    return len(text) == length and text.isascii() and text.isdigit()


def _clean(raw: str, to_stored: Callable[[str], str], is_valid: Callable[[str], bool], message: str) -> str:
    value = to_stored(raw)
    if not is_valid(value):
        raise InvalidIdentifier(message)
    return value


# National code (کد ملی) ----------------------------------------------------------------------


def national_code_normalize(raw: str) -> str:
    """8 to 10 digits, left-padded to 10: spreadsheets drop the leading zeros of codes."""
    code = _compact(raw)
    if not (8 <= len(code) <= 10 and code.isascii() and code.isdigit()):
        raise InvalidIdentifier(NATIONAL_CODE_LENGTH)
    return code.zfill(10)


def is_valid_national_code(code: str) -> bool:
    """Checksum of domain.md §5. It misses about 2 % of single-digit typos; never claim more."""
    try:
        code = national_code_normalize(code)
    except InvalidIdentifier:
        return False
    # Ten identical digits all pass the checksum; codes with d[3..8] all zero are not issued.
    if len(set(code)) == 1 or code[3:9] == "000000":
        return False
    remainder = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    expected = remainder if remainder < 2 else 11 - remainder
    return int(code[9]) == expected


def national_code_clean(raw: str) -> str:
    """The stored form of a valid national code, or InvalidIdentifier."""
    return _clean(raw, national_code_normalize, is_valid_national_code, NATIONAL_CODE_INVALID)


# Legal-entity national ID (شناسه ملی) ---------------------------------------------------------


def legal_entity_id_normalize(raw: str) -> str:
    """11 ASCII digits, or InvalidIdentifier."""
    code = _compact(raw)
    if not _is_digits(code, 11):
        raise InvalidIdentifier(LEGAL_ENTITY_ID_INVALID)
    return code


def is_valid_legal_entity_id(code: str) -> bool:
    """The checksum of domain.md §5."""
    try:
        code = legal_entity_id_normalize(code)
    except InvalidIdentifier:
        return False
    if code[3:9] == "000000":
        return False
    digits = [int(c) for c in code]
    base = digits[9] + 2
    total = sum((base + digits[i]) * _LEGAL_ENTITY_WEIGHTS[i % 5] for i in range(10))
    return digits[10] == total % 11 % 10


def legal_entity_id_clean(raw: str) -> str:
    return _clean(raw, legal_entity_id_normalize, is_valid_legal_entity_id, LEGAL_ENTITY_ID_INVALID)


# Bank card (شماره کارت) -----------------------------------------------------------------------


def card_number_normalize(raw: str) -> str:
    """16 ASCII digits, or InvalidIdentifier."""
    pan = _compact(raw)
    if not _is_digits(pan, 16):
        raise InvalidIdentifier(CARD_NUMBER_INVALID)
    return pan


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def is_valid_card_number(pan: str) -> bool:
    try:
        return _luhn_ok(card_number_normalize(pan))
    except InvalidIdentifier:
        return False


def card_number_clean(raw: str) -> str:
    return _clean(raw, card_number_normalize, is_valid_card_number, CARD_NUMBER_INVALID)


def card_issuer(pan: str) -> str | None:
    """Persian name of the issuing bank, from the first six digits.

    Works on masked numbers too ("603799******1234"), which is all the PSP ever returns.
    """
    return CARD_ISSUERS.get(_compact(pan)[:6])


# Sheba (IBAN IR) ------------------------------------------------------------------------------


def sheba_normalize(raw: str) -> str:
    """ "IR" and 24 digits, upper-case and without spaces, or InvalidIdentifier."""
    value = _compact(raw).upper()
    if not (value.startswith("IR") and _is_digits(value[2:], 24)):
        raise InvalidIdentifier(SHEBA_LENGTH)
    return value


def is_valid_sheba(value: str) -> bool:
    """ISO 7064 mod 97-10, as for every IBAN."""
    try:
        value = sheba_normalize(value)
    except InvalidIdentifier:
        return False
    # Move the country code and check digits to the end; letters become 10..35 (I=18, R=27).
    rearranged = value[4:] + "1827" + value[2:4]
    return int(rearranged) % 97 == 1


def sheba_clean(raw: str) -> str:
    return _clean(raw, sheba_normalize, is_valid_sheba, SHEBA_INVALID)


# Mobile (شماره همراه) -------------------------------------------------------------------------

_MOBILE = re.compile(r"(?:\+98|0098|98|0)?(9[0-9]{9})")


def mobile_normalize(raw: str) -> str:
    """ "09xxxxxxxxx" from +98…, 0098…, 98…, 09… or the bare 9xxxxxxxxx form."""
    match = _MOBILE.fullmatch(re.sub(r"[()]", "", _compact(raw)))
    if match is None:
        raise InvalidIdentifier(MOBILE_INVALID)
    return "0" + match[1]


# Our document numbers: mod-11 check digit of Iran's bill/payment ID standard --------------------


def mod11_check_digit(digits: str) -> int:
    """Weights 2..7 from the right, r = sum mod 11, digit 0 when r < 2 else 11 - r.

    Because r = 0 and r = 1 both give 0, a substitution that moves r between 0 and 1 goes
    unnoticed (about 1.6 % of single-digit typos); every other single-digit substitution is caught.
    """
    if not (digits and digits.isascii() and digits.isdigit()):
        raise ValueError(f"expected ASCII digits, got {digits!r}")
    total = sum(int(char) * (2 + position % 6) for position, char in enumerate(reversed(digits)))
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def with_check_digit(body: str | int) -> str:
    """`body` followed by its check digit, e.g. for a new slip number."""
    body = normalize_digits(str(body))
    return body + str(mod11_check_digit(body))


def document_number_normalize(raw: str) -> str:
    """ASCII digits, at least a body digit and the check digit, or InvalidIdentifier."""
    number = _compact(raw)
    if len(number) < 2 or not (number.isascii() and number.isdigit()):
        raise InvalidIdentifier(DOCUMENT_NUMBER_INVALID)
    return number


def has_valid_check_digit(number: str) -> bool:
    """Whether the last digit of `number` is the check digit of the rest."""
    try:
        number = document_number_normalize(number)
    except InvalidIdentifier:
        return False
    return mod11_check_digit(number[:-1]) == int(number[-1])


def document_number_clean(raw: str) -> str:
    """A slip, request or receipt number whose check digit is right, or InvalidIdentifier."""
    return _clean(raw, document_number_normalize, has_valid_check_digit, DOCUMENT_NUMBER_INVALID)


def insurance_number_clean(raw: str) -> str:
    """8 to 10 digits. The number carries no known check digit (domain.md §5), so an exact match is all a
    lookup can rely on."""
    number = _compact(raw)
    if not re.fullmatch(r"[0-9]{8,10}", number):
        raise InvalidIdentifier(INSURANCE_NUMBER_INVALID)
    return number
