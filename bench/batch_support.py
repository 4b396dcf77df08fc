"""What both benchmarks need: a fresh database and a generated legacy CSV of insured persons.

A fresh database is a new PostgreSQL database `<name>_bench` on the server of DATABASE_URL when that is set
(dropped and created again on every run), or else a new SQLite file under var/bench/. Nothing touches the
database the portal runs on.
"""

from __future__ import annotations

import csv
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["national_code", "insurance_number", "first_name", "last_name", "father_name", "birth_date", "gender",
          "mobile", "address", "branch_code", "rate_code", "wage_ratio", "first_month", "treatment", "persons",
          "paid_months", "paid_on", "prior_record_days"]
BRANCHES = ["2104", "2107"]
FIRST_NAMES = ["مریم", "علی", "زهرا", "حسین", "فاطمه", "محمد", "سارا", "رضا", "نرگس", "مهدی"]
LAST_NAMES = ["کاظمی", "رضایی", "احمدی", "محمدی", "حسینی", "کریمی", "موسوی", "جعفری", "نوری", "صادقی"]


def fresh_database(label: str) -> str:
    """Point DATABASE_URL at a new, empty database for this run, set Django up and migrate it."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        url = _fresh_postgresql(url, label)
    else:
        path = ROOT / "var" / "bench" / f"{label}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f"{label}.sqlite3*"):
            stale.unlink()
        url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samt.settings")
    os.environ.setdefault("DEBUG", "1")  # development settings; the benchmark never serves a page

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    _organisation()
    return url


def _fresh_postgresql(url: str, label: str) -> str:
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    name = f"{config['NAME']}_{label}"
    server = psycopg2.connect(dbname="postgres", user=config["USER"], password=config["PASSWORD"] or None,
                              host=config["HOST"] or None, port=config["PORT"] or None)
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    server.close()
    return url.rsplit("/", 1)[0] + f"/{name}"


def _organisation() -> None:
    from samt.models import Branch, Province

    province = Province.objects.create(code="23", name="تهران")
    for code in BRANCHES:
        Branch.objects.create(code=code, name=f"شعبه {code}", province=province, city="تهران", address="تهران",
                              opening_hours="۷:۳۰ تا ۱۴:۳۰", phone="021-00000000")


def national_code(serial: int) -> str:
    body = f"{serial:09d}"
    remainder = sum(int(body[i]) * (10 - i) for i in range(9)) % 11
    return body + str(remainder if remainder < 2 else 11 - remainder)


def person_code(n: int) -> str:
    """The national code of generated person n: the body ends in 1, so its digits 4-9 are never all zero (a
    code no one is issued, which the validator refuses: serial 11,000,000 was the millionth person's)."""
    return national_code(n * 10 + 1)


def _month(index: int) -> str:
    return f"{index // 12}/{index % 12 + 1:02d}"


def legacy_rows(count: int, seed: int = 1405) -> Iterator[list[str]]:
    """Plausible legacy rows: every rate code, ratios 1.00–7.00, a quarter of the self-employed with treatment
    (in years whose per-capita fee is published), and one to three runs of paid months, up to three years in all."""
    rng = random.Random(seed)
    now = 1405 * 12 + 5  # Shahrivar 1405, so that every paid month has rates in force
    for n in range(count):
        code = rng.choice(["01", "02", "03", "VOL"])
        treatment = code != "VOL" and rng.random() < 0.25  # the voluntary rate already includes treatment
        if treatment:  # per-capita is published for 1403 and 1404
            first, last_allowed = rng.randint(1403 * 12, 1404 * 12 + 6), 1404 * 12 + 11
        else:
            first, last_allowed = rng.randint(1398 * 12, 1405 * 12), now
        runs, start = [], first
        for _ in range(rng.randint(1, 3)):
            if start > last_allowed:
                break
            end = min(start + rng.randint(0, 17), last_allowed)
            runs.append(f"{_month(start)}-{_month(end)}")
            start = end + rng.randint(2, 6)
        born_year = first // 12 - rng.randint(20, 48)
        yield [
            person_code(n), f"{1_000_000_000 + n}", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES),
            rng.choice(FIRST_NAMES), f"{born_year}/{rng.randint(1, 12):02d}/{rng.randint(1, 29):02d}",
            rng.choice("FM"), f"0912{n % 10_000_000:07d}", "تهران", rng.choice(BRANCHES), code,
            f"{rng.choice([100, 100, 100, 120, 150, 200, rng.randint(100, 700)]) / 100:.2f}", _month(first),
            "1" if treatment else "0", str(rng.randint(1, 4)) if treatment else "", ";".join(runs),
            "1405/06/20", "",
        ]


def year_rows(count: int, year: int, seed: int = 1404) -> Iterator[list[str]]:
    """Contracts that paid months of `year`: begun up to two years before it, paid from their first month up
    to some month of the year (at most three years in all)."""
    rng = random.Random(seed)
    treatment_from = 1403 * 12  # the first year since 1400 whose per-capita fee is published
    for n, row in enumerate(legacy_rows(count, seed)):
        first = rng.randint((year - 2) * 12, year * 12 + 5)
        last = min(first + 35, year * 12 + rng.randint(5, 11))
        treatment = row[10] != "VOL" and first >= treatment_from and year <= 1404 and rng.random() < 0.25
        row[0], row[1] = person_code(n), f"{1_000_000_000 + n}"
        row[12], row[15] = _month(first), f"{_month(first)}-{_month(last)}"
        row[13], row[14] = ("1", str(rng.randint(1, 4))) if treatment else ("0", "")
        row[5] = f"{first // 12 - rng.randint(20, 48)}/{rng.randint(1, 12):02d}/{rng.randint(1, 29):02d}"
        yield row


def write_csv(path: Path, count: int, rows: Iterator[list[str]] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows if rows is not None else legacy_rows(count))


@contextmanager
def timed(label: str, results: dict[str, tuple[float, float]]) -> Iterator[None]:
    """Wall-clock seconds and this process's CPU seconds (on a busy machine the two differ a lot)."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    results[label] = (time.perf_counter() - wall, time.process_time() - cpu)


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.1f} (1 min) {five:.1f} (5 min)"
