"""The per-address limit counted in the database, shared by every app server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samt.models import ThrottleWindow
from samt.throttle import throttle_hit

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.SAMT_THROTTLES = {"test": (2, 60)}


def test_hits_past_the_limit_are_refused_within_one_window():
    assert [throttle_hit(scope="test", key="1.2.3.4", now=NOON + timedelta(seconds=s)) for s in (0, 1, 2)] == [
        True, True, False]


def test_another_address_has_its_own_count():
    throttle_hit(scope="test", key="1.2.3.4", now=NOON)
    throttle_hit(scope="test", key="1.2.3.4", now=NOON)
    assert throttle_hit(scope="test", key="5.6.7.8", now=NOON)


def test_the_next_window_starts_again_and_old_windows_are_dropped():
    for _ in range(3):
        throttle_hit(scope="test", key="1.2.3.4", now=NOON)
    assert throttle_hit(scope="test", key="1.2.3.4", now=NOON + timedelta(seconds=60))
    throttle_hit(scope="test", key="1.2.3.4", now=NOON + timedelta(seconds=180))
    assert ThrottleWindow.objects.filter(window_start=NOON).count() == 0
