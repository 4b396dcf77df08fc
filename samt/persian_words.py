"""Whole numbers in Persian words, as an amount is written on an official document ("مبلغ به حروف").

1_234_567 → "یک میلیون و دویست و سی و چهار هزار و پانصد و شصت و هفت". Written as cheques and SSO slips
write amounts: "یکصد" and "یک هزار" rather than the colloquial "صد" and "هزار", so that nothing can be put
in front of the words to change the amount.
"""

from __future__ import annotations

AND = " و "

_ONES = ("", "یک", "دو", "سه", "چهار", "پنج", "شش", "هفت", "هشت", "نه")
_TEENS = ("ده", "یازده", "دوازده", "سیزده", "چهارده", "پانزده", "شانزده", "هفده", "هجده", "نوزده")
_TENS = ("", "", "بیست", "سی", "چهل", "پنجاه", "شصت", "هفتاد", "هشتاد", "نود")
_HUNDREDS = ("", "یکصد", "دویست", "سیصد", "چهارصد", "پانصد", "ششصد", "هفتصد", "هشتصد", "نهصد")
# Short scale, as Iranian banks and the Central Bank use it: میلیارد is 10^9.
_SCALES = ("", "هزار", "میلیون", "میلیارد", "تریلیون", "کوادریلیون")


def _below_thousand(number: int) -> list[str]:
    hundreds, rest = divmod(number, 100)
    parts = [_HUNDREDS[hundreds]] if hundreds else []
    if 10 <= rest < 20:
        parts.append(_TEENS[rest - 10])
    else:
        tens, ones = divmod(rest, 10)
        parts += [word for word in (_TENS[tens], _ONES[ones]) if word]
    return parts


def number_to_words(number: int) -> str:
    """`number` in Persian words; "صفر" for 0 and "منفی …" below it. Up to 10^18 − 1."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError("number_to_words takes an int")
    if number == 0:
        return "صفر"
    if number < 0:
        return f"منفی {number_to_words(-number)}"
    if number >= 1000 ** len(_SCALES):
        raise ValueError("number too large to write in words")
    groups: list[str] = []
    for scale in _SCALES:
        number, group = divmod(number, 1000)
        if group:
            words = AND.join(_below_thousand(group))
            groups.append(f"{words} {scale}" if scale else words)
        if not number:
            break
    return AND.join(reversed(groups))


def rials_in_words(amount: int) -> str:
    """An amount of rials as written under its figures: "… ریال"."""
    return f"{number_to_words(amount)} ریال"
