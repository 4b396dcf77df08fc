"""Reading loosely typed PSP answers: keys in any case, numbers as numbers or digit strings, empty as absent."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def lowered(mapping: Any) -> dict[str, Any]:
    if not isinstance(mapping, Mapping):
        return {}
    return {str(key).lower(): value for key, value in mapping.items()}


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    return None


def as_str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
