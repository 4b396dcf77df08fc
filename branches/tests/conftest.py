"""Fixtures of the branch tests. The credential builders live in credential_support.py."""

from branches.tests.credential_support import insured_person, second_head_a

__all__ = ["insured_person", "second_head_a"]
