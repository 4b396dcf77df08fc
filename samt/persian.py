"""The one place where Persian text from outside is made canonical.

Call `normalize` on every piece of outside input (form fields, bank callbacks, imports) before
validating or storing it, so one national code never ends up in the database in two spellings.
"""

from __future__ import annotations

import re

ZWNJ = "\u200c"

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_TO_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})

# LRM, RLM, LRE..RLO, LRI..PDI, ALM and BOM: invisible, but they break equality and search.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")
_WHITESPACE = re.compile(r"\s+")


def normalize_digits(text: str) -> str:
    """Map Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII; leave everything else alone."""
    return text.translate(_DIGITS)


def normalize(text: str) -> str:
    """Canonical form of outside text: ASCII digits, Persian ی/ک, no bidi controls, single spaces.

    ZWNJ (نیم‌فاصله) is kept because it is part of how names are spelled and shown.
    Never use this on passwords: it would silently change what the user typed.
    """
    text = normalize_digits(text).translate(_LETTERS)
    text = _BIDI_CONTROLS.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()


def to_persian_digits(value: object) -> str:
    """`str(value)` with ASCII digits shown as Persian digits."""
    return str(value).translate(_TO_PERSIAN_DIGITS)


def search_key(text: str) -> str:
    """A key for matching names typed in different ways; never for display.

    "محمد‌رضا" (with ZWNJ) and "محمد رضا" get the same key because ZWNJ becomes a space.
    "محمدرضا" (joined) gets a different key: telling a joined word from two words is beyond a
    normaliser, so callers that care should also search with spaces removed.
    """
    text = normalize(text).replace(ZWNJ, " ")
    return _WHITESPACE.sub(" ", text).strip().lower()
