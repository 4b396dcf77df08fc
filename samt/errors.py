"""The one exception type every service raises when a rule refuses a request."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal people should read: `message` is Persian and says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
