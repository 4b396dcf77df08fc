"""The simulator approves any test card, so a production server must never serve it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

SIMULATOR_IN_PRODUCTION = Error(
    "The PSP simulator is enabled while DEBUG is off.",
    hint="Unset PSP_SIMULATOR in production; the simulator accepts made-up cards.",
    id="psp_simulator.E001",
)


@register(Tags.security)
def simulator_only_in_development(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.SAMT_PSP_SIMULATOR and not settings.DEBUG:
        return [SIMULATOR_IN_PRODUCTION]
    return []
