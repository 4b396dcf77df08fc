"""manage.py worker: the registry of scheduled jobs, their schedule shared through the database, and the
advisory lock that lets one worker act at a time when it is started on every server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from samt import worker
from samt.models import SmsMessage, SmsStatus, WorkerJobRun
from samt.sms import sms_queue

pytestmark = pytest.mark.django_db


@contextmanager
def hold_job_lock(name: str) -> Iterator[None]:
    """Another worker process, played by a thread with its own connection, holding `name`'s lock."""
    taken, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with worker.job_lock(name) as held:
                assert held
                taken.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert taken.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join(10)


@pytest.fixture
def counted(monkeypatch):
    """A throwaway job registered for one test."""
    runs: list[int] = []
    monkeypatch.setattr(worker, "_registry", dict(worker._registry))

    @worker.job("test.counted", every=timedelta(minutes=1))
    def counted_job() -> str:
        runs.append(1)
        return f"run {len(runs)}"

    return runs


def test_the_apps_register_the_reconciler_and_the_sms_sender():
    names = {job.name: job.every for job in worker.jobs()}
    assert names["payments.reconcile"] == timedelta(seconds=20)
    assert names["sms.send"] == timedelta(seconds=5)


def test_a_job_runs_when_due_and_not_again_before_its_interval(counted):
    now = timezone.now()
    assert worker.run_due(now=now, only=["test.counted"]) == {"test.counted": "run 1"}
    assert worker.run_due(now=now + timedelta(seconds=59), only=["test.counted"]) == {}
    assert worker.run_due(now=now + timedelta(seconds=60), only=["test.counted"]) == {"test.counted": "run 2"}
    record = WorkerJobRun.objects.get(name="test.counted")
    assert (record.ok, record.summary) == (True, "run 2")


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(monkeypatch, caplog):
    monkeypatch.setattr(worker, "_registry", {})

    @worker.job("test.a_broken", every=timedelta(seconds=1))
    def broken() -> str:
        raise RuntimeError("boom")

    @worker.job("test.b_fine", every=timedelta(seconds=1))
    def fine() -> str:
        return "ok"

    said = worker.run_due()
    assert said == {"test.a_broken": "failed: RuntimeError: boom", "test.b_fine": "ok"}
    assert not WorkerJobRun.objects.get(name="test.a_broken").ok
    assert "job test.a_broken failed" in caplog.text


def test_a_name_is_registered_once(counted):
    with pytest.raises(ValueError):
        worker.job("test.counted", every=timedelta(seconds=1))(lambda: "other")


def test_once_sends_queued_sms_and_says_so():
    sms_queue(to="09123456789", text="سلام")
    out = StringIO()
    call_command("worker", "--once", "--job", "sms.send", stdout=out)
    assert out.getvalue() == "sms.send: sent: 1\n"
    assert SmsMessage.objects.get().status == SmsStatus.SENT


def test_list_names_every_job():
    out = StringIO()
    call_command("worker", "--list", stdout=out)
    assert "payments.reconcile\tevery 20 s" in out.getvalue()
    assert "sms.send\tevery 5 s" in out.getvalue()


def test_an_unknown_job_name_is_refused():
    with pytest.raises(SystemExit):
        call_command("worker", "--once", "--job", "nope", stderr=StringIO())


def test_the_loop_stops_on_sigterm_after_the_job_in_hand(monkeypatch, counted):
    import signal

    handlers = {}
    monkeypatch.setattr(signal, "signal", lambda signum, handler: handlers.setdefault(signum, handler))
    ticks = []

    def run_due(**kwargs):
        ticks.append(1)
        if len(ticks) == 2:
            handlers[signal.SIGTERM](signal.SIGTERM, None)
        return {}

    monkeypatch.setattr(worker, "run_due", run_due)
    call_command("worker", "--tick", "0.01")
    assert len(ticks) == 2


@pytest.mark.django_db(transaction=True)
def test_another_worker_holding_a_jobs_lock_makes_this_one_skip_it(counted):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; on SQLite the worker simply runs")
    with hold_job_lock("test.counted"):
        assert worker.run_due(only=["test.counted"]) == {}
    assert worker.run_due(only=["test.counted"]) == {"test.counted": "run 1"}
    assert counted == [1]


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_run_a_job_once(counted):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; on SQLite the worker simply runs")
    from samt.tests.concurrency import at_once

    results = at_once(lambda: worker.run_due(only=["test.counted"]), lambda: worker.run_due(only=["test.counted"]))
    assert sorted(len(said) for said in results) == [0, 1]
    assert counted == [1]
