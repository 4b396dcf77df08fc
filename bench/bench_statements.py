"""Benchmark: compute_statements YEAR for N generated contracts (default 100,000) in a fresh database.

    .venv/bin/python bench/bench_statements.py [--contracts N] [--year 1404] [--chunk 5000]
    # or: make bench-statements [BENCH_ROWS=N]

The contracts and their paid months are loaded with import_insured (not timed). Prints contracts per second
and total seconds of the first run (every statement new) and of a second run (every statement recomputed),
then checks a sample of statements against statement_compute.
"""

from __future__ import annotations

import argparse
import random
from io import StringIO

from batch_support import ROOT, fresh_database, load_note, timed, write_csv, year_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=1404)
    parser.add_argument("--chunk", type=int, default=5_000)
    options = parser.parse_args()
    url = fresh_database("bench_statements")
    path = ROOT / "var" / "bench" / f"statements_{options.contracts}.csv"
    write_csv(path, options.contracts, year_rows(options.contracts, options.year))

    from django.core.management import call_command

    from insured.models import StatementLine

    call_command("import_insured", str(path), stdout=StringIO())
    results: dict[str, tuple[float, float]] = {}
    args = [str(options.year), "--quiet", "--chunk", str(options.chunk)]
    with timed("first", results):
        call_command("compute_statements", *args, stdout=StringIO())
    lines = StatementLine.objects.count()
    with timed("again", results):
        call_command("compute_statements", *args, stdout=StringIO())
    sample = check_sample(options.year)

    print(f"database: {url.split('://')[0]} ({url.rsplit('/', 1)[-1]}); {load_note()}")
    for label, title in (("first", "first run (all new)"), ("again", "second run (all recomputed)")):
        wall, cpu = results[label]
        print(f"compute_statements {options.year}, {title}: {options.contracts:,} contracts, {lines:,} lines in "
              f"{wall:.1f} s = {options.contracts / wall:,.0f} contracts/s; CPU in this process {cpu:.1f} s")
    print(f"{sample} sampled statements are identical to statement_compute's")


def check_sample(year: int, size: int = 50) -> int:
    """statement_compute on a random sample, in a transaction that is rolled back, must agree to the rial."""
    from django.db import transaction

    from insured.models import AccountStatement
    from insured.services import statement_compute
    from samt.actors import Actor

    def picture(statement: AccountStatement) -> tuple:
        lines = statement.lines.order_by("month").values_list("month", "premium_due", "per_capita_due",
                                                              "amount_paid", "difference")
        return statement.due_total, statement.paid_total, statement.balance, list(lines)

    ids = list(AccountStatement.objects.filter(year=year).values_list("pk", flat=True))
    chosen = AccountStatement.objects.filter(pk__in=random.Random(year).sample(ids, min(size, len(ids))))
    for statement in chosen.select_related("contract"):
        batch = picture(statement)
        with transaction.atomic():
            service = picture(statement_compute(actor=Actor.system("bench"), contract=statement.contract,
                                                year=year))
            transaction.set_rollback(True)
        assert batch == service, (statement.contract_id, batch, service)
    return chosen.count()


if __name__ == "__main__":
    main()
