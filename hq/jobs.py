"""The province's scheduled job: data-processing runs queued from the browser, carried out by the worker."""

from __future__ import annotations

from datetime import timedelta

from hq import processing
from samt import worker


@worker.job("hq.processing", every=timedelta(seconds=5))
def run_processing() -> str:
    return processing.processing_run_next()
