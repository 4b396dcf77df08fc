"""Amounts in Persian words, as the debt slip writes them under the figures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samt.persian_words import number_to_words, rials_in_words

WORD_VALUES = {
    "یک": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "هفت": 7, "هشت": 8, "نه": 9,
    "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14, "پانزده": 15, "شانزده": 16,
    "هفده": 17, "هجده": 18, "نوزده": 19, "بیست": 20, "سی": 30, "چهل": 40, "پنجاه": 50, "شصت": 60,
    "هفتاد": 70, "هشتاد": 80, "نود": 90, "یکصد": 100, "دویست": 200, "سیصد": 300, "چهارصد": 400,
    "پانصد": 500, "ششصد": 600, "هفتصد": 700, "هشتصد": 800, "نهصد": 900,
}
SCALE_VALUES = {"هزار": 10**3, "میلیون": 10**6, "میلیارد": 10**9, "تریلیون": 10**12, "کوادریلیون": 10**15}


def read_words(text: str) -> int:
    """The inverse, written independently: sum each group, multiply by its scale word."""
    total = group = 0
    for part in text.split(" و "):
        *words, last = part.split(" ")
        if last in SCALE_VALUES:
            group += sum(WORD_VALUES[word] for word in words)
            total += group * SCALE_VALUES[last]
            group = 0
        else:
            group += sum(WORD_VALUES[word] for word in [*words, last])
    return total + group


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "صفر"),
        (7, "هفت"),
        (10, "ده"),
        (15, "پانزده"),
        (20, "بیست"),
        (21, "بیست و یک"),
        (100, "یکصد"),
        (105, "یکصد و پنج"),
        (999, "نهصد و نود و نه"),
        (1000, "یک هزار"),
        (1001, "یک هزار و یک"),
        (100_000, "یکصد هزار"),
        (2_358_000, "دو میلیون و سیصد و پنجاه و هشت هزار"),
        (1_234_567, "یک میلیون و دویست و سی و چهار هزار و پانصد و شصت و هفت"),
        (3_000_000_005, "سه میلیارد و پنج"),
        (-12, "منفی دوازده"),
    ],
)
def test_it_writes_numbers_as_an_official_document_does(number, words):
    assert number_to_words(number) == words


def test_rials_in_words_names_the_unit():
    assert rials_in_words(45_000) == "چهل و پنج هزار ریال"


@given(st.integers(min_value=1, max_value=10**18 - 1))
def test_reading_the_words_back_gives_the_number(number):
    words = number_to_words(number)
    assert "  " not in words
    assert not words.startswith("و ") and not words.endswith(" و")
    assert read_words(words) == number


def test_it_refuses_what_it_cannot_write():
    with pytest.raises(ValueError):
        number_to_words(10**18)
    with pytest.raises(TypeError):
        number_to_words(1.5)
    with pytest.raises(TypeError):
        number_to_words(True)
