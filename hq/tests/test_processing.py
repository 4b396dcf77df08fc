"""Data processing from the browser: a page queues a run, the worker carries it out, two runs of one job never
overlap, and the result and bad rows are read on the page."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from conftest import make_user
from hq import processing
from hq.models import ProcessingRun, RunKind, RunStatus
from insured.models import AccountStatement, InsuredPerson
from insured.tests.conftest import register
from insured.tests.factories import AZAR_1405, pay_months
from samt import worker
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth as M
from samt.models import Role

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "insured" / "tests" / "fixtures" / "import_sample.csv"


@pytest.fixture(autouse=True)
def azar_1405():
    with time_machine.travel(AZAR_1405, tick=False):
        yield


def upload(text: str, name: str = "legacy.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_the_page_only_queues_the_run_and_the_worker_carries_it_out(client_for, data_processor, branch_a, branch_b):
    client = client_for(data_processor)
    response = client.post("/hq/processing/import/", {"file": upload(SAMPLE.read_text(encoding="utf-8"))})
    run = ProcessingRun.objects.get()
    assert response.headers["Location"] == f"/hq/processing/{run.pk}/"
    assert run.status == RunStatus.QUEUED and not InsuredPerson.objects.exists()
    assert processing.processing_run_next() == f"run {run.pk} (import) done"
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and InsuredPerson.objects.exists()
    page = client.get(f"/hq/processing/{run.pk}/").content.decode()
    assert "پایان‌یافته" in page and "legacy.csv" in page


def test_bad_rows_are_listed_and_nothing_is_imported(client_for, data_processor, branch_a, branch_b):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    broken = "\n".join([lines[0], lines[1].replace("1283690004", "1283690005"), *lines[2:]]) + "\n"
    client_for(data_processor).post("/hq/processing/import/", {"file": upload(broken)})
    processing.processing_run_next()
    run = ProcessingRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert [bad["line"] for bad in run.bad_rows] == [2]
    assert not InsuredPerson.objects.exists()
    page = client_for(data_processor).get(f"/hq/processing/{run.pk}/").content.decode()
    assert "ردیف‌های نادرست" in page


def test_the_year_end_run_computes_and_issues_last_years_statements(client_for, data_processor, staff_a, branch_a):
    contract = register(Actor.for_user(staff_a), branch_a, first_month=M(1404, 1))
    pay_months(contract, M(1404, 1), M(1405, 7))
    client_for(data_processor).post("/hq/processing/statements/", {"year": "۱۴۰۴"})
    processing.processing_run_next()
    run = ProcessingRun.objects.get()
    assert (run.status, run.year) == (RunStatus.DONE, 1404), run.result
    assert AccountStatement.objects.get(contract=contract, year=1404).status == "settled"
    assert "1404 issued" in run.result


def test_two_runs_of_one_job_cannot_overlap(data_processor, client_for):
    actor = Actor.for_user(data_processor)
    processing.processing_run_start(actor=actor, kind=RunKind.STATEMENTS, year=1404)
    with pytest.raises(DomainError, match="در نوبت یا در حال اجراست"):
        processing.processing_run_start(actor=actor, kind=RunKind.STATEMENTS, year=1404)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessingRun.objects.create(kind=RunKind.STATEMENTS, year=1403, requested_by=data_processor)
    # Another job may run beside it.
    processing.processing_run_start(actor=actor, kind=RunKind.IMPORT, file_name="a.csv", file_text="x")
    response = client_for(data_processor).post("/hq/processing/statements/", {"year": "1404"}, follow=True)
    assert "در نوبت یا در حال اجراست" in response.content.decode()


def test_the_job_is_in_the_workers_registry():
    assert worker.get_job("hq.processing").run() == "nothing queued"


def test_only_data_processing_starts_and_another_province_gets_404(client_for, data_processor, technical_expert,
                                                                   hq_user, other_province):
    assert client_for(technical_expert).post("/hq/processing/statements/", {"year": "1404"}).status_code == 403
    assert client_for(hq_user).post("/hq/processing/statements/", {"year": "1404"}).status_code == 403
    run = processing.processing_run_start(actor=Actor.for_user(data_processor), kind=RunKind.STATEMENTS, year=1404)
    assert client_for(hq_user).get(f"/hq/processing/{run.pk}/").status_code == 200
    elsewhere = make_user("dp_isfahan", role=Role.DATA_PROCESSING, province=other_province)
    assert client_for(elsewhere).get(f"/hq/processing/{run.pk}/").status_code == 404
