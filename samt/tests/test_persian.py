from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from samt.persian import normalize, normalize_digits, search_key, to_persian_digits

BIDI_CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff"


def test_it_maps_persian_and_arabic_indic_digits_to_ascii() -> None:
    assert normalize_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert normalize_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"


def test_normalize_digits_touches_nothing_but_digits() -> None:
    assert normalize_digits("كد ي  ۱۲") == "كد ي  12"


def test_it_replaces_arabic_yeh_and_kaf_with_persian_letters() -> None:
    assert normalize("علي") == "علی"
    assert normalize("موسى") == "موسی"
    assert normalize("كاظم") == "کاظم"


def test_it_strips_every_bidi_control() -> None:
    assert normalize(f"\u202b۰۹۱۲{BIDI_CONTROLS}۳۴۵\u202c") == "0912345"


def test_it_keeps_zwnj_in_names() -> None:
    assert normalize("محمد\u200cرضا") == "محمد\u200cرضا"


def test_it_collapses_whitespace_and_strips_ends() -> None:
    assert normalize("  علی \t\n  رضایی\u00a0 ") == "علی رضایی"


def test_to_persian_digits_shows_any_value_in_persian_digits() -> None:
    assert to_persian_digits(1405) == "۱۴۰۵"
    assert to_persian_digits("1405/01") == "۱۴۰۵/۰۱"


def test_search_key_treats_zwnj_as_a_space() -> None:
    assert search_key("محمد\u200cرضا") == search_key("محمد رضا") == search_key(" محمد \u200c رضا ")


def test_search_key_does_not_join_separate_words() -> None:
    # Documented limit: a joined spelling is a different key.
    assert search_key("محمدرضا") != search_key("محمد رضا")


def test_search_key_ignores_letter_variants_digits_and_case() -> None:
    assert search_key("علي ۱ ABC") == search_key("علی 1 abc")


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


@given(st.text())
def test_normalized_text_has_no_bidi_controls_or_foreign_digits(text: str) -> None:
    result = normalize(text)
    assert not set(result) & set(BIDI_CONTROLS + "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩يىك")
    assert result == result.strip()
    assert "  " not in result


@given(st.integers())
def test_persian_digits_round_trip(number: int) -> None:
    assert normalize_digits(to_persian_digits(number)) == str(number)
