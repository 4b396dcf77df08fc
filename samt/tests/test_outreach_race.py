"""On PostgreSQL: scans of one poster at the same instant, the first of the day among them, all count."""

from __future__ import annotations

import pytest
from django.db import connection

from samt.models import OutreachScan
from samt.outreach import scan_record
from samt.tests.concurrency import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises every writer")


def test_scans_at_the_same_instant_are_all_counted(branch_a):
    results = at_once(*[lambda: scan_record(place=branch_a)] * 8)
    assert results == [None] * 8
    assert list(OutreachScan.objects.values_list("branch__code", "scans")) == [("2104", 8)]
