"""The scheduled jobs that `manage.py worker` runs, and how it runs them.

Any app adds a job by decorating a function in its `jobs.py` (imported by its AppConfig.ready):

    @worker.job("payments.reconcile", every=timedelta(seconds=20))
    def reconcile() -> str:
        return "..."  # one line for the log and the run record

The same worker may be started on every application server. Each job runs under its own PostgreSQL advisory
lock, so at any moment at most one process runs a given job; whichever holds the lock reads the shared run
record (WorkerJobRun) to decide whether the job is due, so the schedule holds when the acting server changes.
On SQLite (one machine, development) there is no lock: the worker simply runs.

Jobs run one after another in one loop; a long job (a year-end run) delays the others by its length, which is why
jobs that work through a queue should take a bounded batch per run and leave the rest to the next one.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, connection
from django.utils import timezone

from samt.models import WorkerJobRun

logger = logging.getLogger("samt.worker")

# The first key of every two-key advisory lock the worker takes ("samt" in ASCII), so ours never collide with
# another program's locks on the same database.
LOCK_NAMESPACE = 0x73616D74


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], str]


_registry: dict[str, Job] = {}


def job(name: str, *, every: timedelta) -> Callable[[Callable[[], str]], Callable[[], str]]:
    """Register `run` as a scheduled job. Names are unique; registering a name twice is a programming error."""

    def register(run: Callable[[], str]) -> Callable[[], str]:
        if name in _registry and _registry[name].run is not run:
            raise ValueError(f"worker job {name!r} is registered twice")
        _registry[name] = Job(name=name, every=every, run=run)
        return run

    return register


def jobs() -> list[Job]:
    return sorted(_registry.values(), key=lambda registered: registered.name)


def get_job(name: str) -> Job:
    return _registry[name]


def _lock_key(name: str) -> int:
    """A stable signed 32-bit key per job name (crc32 is the same in every process, unlike hash())."""
    value = zlib.crc32(name.encode())
    return value - 2**32 if value >= 2**31 else value


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Yields whether this process may run `name` now. A session-level lock, held across the job's own
    transactions and released when the job ends (or when the connection dies, by PostgreSQL itself)."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = [LOCK_NAMESPACE, _lock_key(name)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
            except DatabaseError:
                # The connection is gone, and with it the lock; the next tick opens a fresh one.
                connection.close()


def run_due(*, now: datetime | None = None, only: list[str] | None = None) -> dict[str, str]:
    """Run every job whose time has come and that no other worker is running. Returns what each run said."""
    said: dict[str, str] = {}
    for registered in jobs():
        if only is not None and registered.name not in only:
            continue
        summary = run_if_due(registered, now=now)
        if summary is not None:
            said[registered.name] = summary
    return said


def run_if_due(registered: Job, *, now: datetime | None = None) -> str | None:
    with job_lock(registered.name) as held:
        if not held:
            return None
        started = now or timezone.now()
        record, _ = WorkerJobRun.objects.get_or_create(name=registered.name)
        # Read under the lock: another worker may have run this job a moment before we got the lock.
        if record.started_at is not None and started < record.started_at + registered.every:
            return None
        record.started_at = started
        record.save(update_fields=["started_at"])
        try:
            summary, ok = registered.run(), True
        except Exception as error:
            # One failing job (a database hiccup, a bug) must not stop the others; it is tried on its next turn.
            logger.exception("worker: job %s failed", registered.name)
            summary, ok = f"failed: {type(error).__name__}: {error}", False
        WorkerJobRun.objects.filter(pk=record.pk).update(finished_at=timezone.now(), ok=ok, summary=summary[:255])
        return summary


def summarise(outcome: dict[str, int]) -> str:
    """`{"sent": 2, "retry": 1}` as "retry: 1, sent: 2" ("nothing to do" when empty)."""
    return ", ".join(f"{key}: {count}" for key, count in sorted(outcome.items())) or "nothing to do"
