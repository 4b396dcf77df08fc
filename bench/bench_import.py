"""Benchmark: import_insured on N generated legacy rows (default 100,000) into a fresh database.

    .venv/bin/python bench/bench_import.py [--rows N]        # or: make bench-import [BENCH_ROWS=N]

Prints the rows per second and the total seconds of the import, then of a second run of the same file
(which must skip every row and write nothing).
"""

from __future__ import annotations

import argparse
from io import StringIO

from batch_support import ROOT, fresh_database, load_note, timed, write_csv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    url = fresh_database("bench_import")
    path = ROOT / "var" / "bench" / f"legacy_{rows}.csv"
    write_csv(path, rows)

    from django.core.management import call_command

    from insured.models import CoveredMonth

    results: dict[str, tuple[float, float]] = {}
    with timed("import", results):
        call_command("import_insured", str(path), stdout=StringIO())
    months = CoveredMonth.objects.count()
    with timed("again", results):
        call_command("import_insured", str(path), stdout=StringIO())
    assert CoveredMonth.objects.count() == months, "the second run wrote something"

    (wall, cpu), (again, again_cpu) = results["import"], results["again"]
    print(f"database: {url.split('://')[0]} ({url.rsplit('/', 1)[-1]}); {load_note()}")
    print(f"import_insured: {rows:,} rows, {months:,} paid months in {wall:.1f} s = {rows / wall:,.0f} rows/s "
          f"({months / wall:,.0f} paid months/s); CPU in this process {cpu:.1f} s")
    print(f"the same file again (all skipped): {again:.1f} s = {rows / again:,.0f} rows/s; CPU {again_cpu:.1f} s")

if __name__ == "__main__":
    main()
