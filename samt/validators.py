"""Model-level validators built on the pure identifier rules (used by the admin and model forms)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from samt import identifiers


def validate_legal_entity_id(value: str) -> None:
    if not identifiers.is_valid_legal_entity_id(value):
        raise ValidationError(identifiers.LEGAL_ENTITY_ID_INVALID, code="invalid")
