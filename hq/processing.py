"""Data processing from the browser: a run is queued by a page and carried out by `manage.py worker`.

The page only writes a queued row; the worker claims it with a conditional update (queued → running), runs the
same management command an operator would, and writes what it printed back on the row: the progress line
while it runs, the summary and every bad row when it ends. A partial unique constraint keeps a second run of
the same job from being queued while one is queued or running.
"""

from __future__ import annotations

import re
import tempfile
import time
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from hq.models import ProcessingRun, RunKind, RunStatus
from samt.actors import Actor
from samt.audit import audit_record
from samt.errors import DomainError

ALREADY_RUNNING = "اجرای دیگری از همین کار در نوبت یا در حال اجراست؛ پس از پایان آن دوباره آغاز کنید."
FILE_TOO_LARGE = "پرونده بزرگ‌تر از اندازه مجاز است."
MAX_FILE_BYTES = 50 * 1024 * 1024
BAD_LINE = re.compile(r"^line (\d+): (.*)$")
PROGRESS_EVERY_SECONDS = 1.0


@transaction.atomic
def processing_run_start(*, actor: Actor, kind: str, year: int | None = None, file_name: str = "",
                         file_text: str = "") -> ProcessingRun:
    if len(file_text.encode()) > MAX_FILE_BYTES:
        raise DomainError(FILE_TOO_LARGE)
    try:
        with transaction.atomic():
            run = ProcessingRun.objects.create(kind=kind, year=year, file_name=file_name, file_text=file_text,
                                               province_id=actor.province_id, requested_by=actor.person)
    except IntegrityError:
        raise DomainError(ALREADY_RUNNING) from None
    audit_record(actor=actor, action="job.queued", subject=run,
                 after={"kind": kind, "year": year, "file_name": file_name})
    return run


class _ProgressStream(StringIO):
    """What the command writes to stderr: its progress bar ("\\r[###   ] 10/40 contracts") is saved on the run
    at most once a second, so the page shows it moving; "line N: ..." lines are the import's bad rows."""

    def __init__(self, run: ProcessingRun) -> None:
        super().__init__()
        self.run = run
        self.saved_at = 0.0

    def write(self, text: str) -> int:
        written = super().write(text)
        line = text.replace("\r", "\n").strip().splitlines()[-1:] if text.strip() else []
        if line and time.monotonic() - self.saved_at >= PROGRESS_EVERY_SECONDS and not BAD_LINE.match(line[0]):
            self.saved_at = time.monotonic()
            ProcessingRun.objects.filter(pk=self.run.pk).update(progress=line[0][:200])
        return written


def _claim() -> ProcessingRun | None:
    run = ProcessingRun.objects.filter(status=RunStatus.QUEUED).order_by("requested_at", "id").first()
    if run is None:
        return None
    claimed = ProcessingRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now())
    return ProcessingRun.objects.get(pk=run.pk) if claimed else None


def processing_run_next() -> str:
    """The worker's job: carry out the oldest queued run, if any. Returns a line for the worker's log."""
    run = _claim()
    if run is None:
        return "nothing queued"
    out, err = StringIO(), _ProgressStream(run)
    status = RunStatus.DONE
    try:
        _execute(run, out, err)
    except CommandError as failure:
        status = RunStatus.FAILED
        out.write(f"\n{failure}")
    except Exception as failure:
        status = RunStatus.FAILED
        out.write(f"\n{type(failure).__name__}: {failure}")
    bad = [{"line": int(m[1]), "problem": m[2]} for m in map(BAD_LINE.match, err.getvalue().splitlines()) if m]
    with transaction.atomic():
        ProcessingRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now(),
                                                       result=out.getvalue().strip(), bad_rows=bad[:1000])
        audit_record(actor=Actor.system("worker"), action=f"job.{status}", subject=run,
                     after={"kind": run.kind, "bad_rows": len(bad)})
    return f"run {run.pk} ({run.kind}) {status}"


def _execute(run: ProcessingRun, out: StringIO, err: StringIO) -> None:
    if run.kind == RunKind.STATEMENTS:
        call_command("compute_statements", str(run.year), "--issue", stdout=out, stderr=err)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(run.file_name).name or "import.csv")
        path.write_text(run.file_text, encoding="utf-8")
        call_command("import_insured", str(path), stdout=out, stderr=err)
