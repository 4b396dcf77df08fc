"""import_insured FILE.csv: insured persons, their contract and paid months from the legacy system.

The file is the unit of work: every row is read and checked first, every bad row is reported with its line
number, and only a file without a bad row is written, in one transaction. A row whose person is already here
with the same data is skipped, so importing the same file again changes nothing. The columns are described
in docs/import_format.md; reading a row is in _legacy_rows.py.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field, Model
from django.utils import timezone

from insured import ledger, rules
from insured.management.commands._legacy_rows import OPTIONAL, PERSON_FIELDS, REQUIRED, Bad, Row, RowReader
from insured.models import LEGACY_SLIP_NUMBER, SCHEME_OF_RATE, Contract, ContractStatus, CoveredMonth, InsuredPerson
from samt.actors import Actor
from samt.audit import audit_record
from samt.errors import DomainError
from samt.identifiers import with_check_digit
from samt.jalali import TEHRAN, JalaliMonth
from samt.models import Branch, Counter
from samt.numbering import next_in_sequence
from samt.persian import normalize, search_key
from samt.persian import to_persian_digits as fa

LEGACY_SLIP = LEGACY_SLIP_NUMBER
CONTRACT_PREFIX, CONTRACT_SEQUENCE = "3", "contract"  # as services.contract_create numbers them
LOOKUP_CHUNK = 500


@dataclass
class Outcome:
    rows: int = 0
    persons: int = 0
    covered_months: int = 0
    skipped: int = 0
    errors: list[tuple[int, Bad]] = field(default_factory=list)


class Prices:
    """What each paid month cost at the rates in force, read through the ledger once per month and rate code."""

    def __init__(self) -> None:
        self._premiums: dict[tuple[str, int], dict[int, int]] = {}  # (rate code, ratio) → {YYYYMM: premium}
        self._wage: dict[int, rules.WageInForce] = {}
        self._rate: dict[tuple[str, int], int] = {}
        self._per_capita: dict[int, int] = {}

    def premium(self, month: int, rate_code: str, ratio: int) -> int:
        premiums = self._premiums.setdefault((rate_code, ratio), {})
        if month not in premiums:
            jalali = JalaliMonth.from_int(month)
            if month not in self._wage:
                self._wage[month] = ledger.wage_in_force(jalali)
            if (rate_code, month) not in self._rate:
                self._rate[rate_code, month] = ledger.rate_in_force(rate_code, jalali)
            premiums[month] = rules.month_premium(jalali, ratio_hundredths=ratio,
                                                  rate_bp=self._rate[rate_code, month], wage=self._wage[month])
        return premiums[month]

    def per_capita(self, year: int) -> int:
        if year not in self._per_capita:
            self._per_capita[year] = ledger.per_capita_for(year)
        return self._per_capita[year]

    def price(self, row: Row) -> None:
        """Each paid month's premium and per-capita, or Bad when a year has no rates (wage row, per-capita)."""
        try:
            row.lines = [(month, self.premium(month, row.rate_code, row.ratio),
                          self.per_capita(month // 100) if row.persons else 0) for month in row.paid]
        except DomainError as refusal:
            raise Bad("paid_months", refusal.message, "no rates in force for a paid month") from None


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Importer:
    def __init__(self, today: datetime) -> None:
        self.reader = RowReader(dict(Branch.objects.values_list("code", "pk")), today.date())
        self.prices = Prices()
        self.now = today

    # Checking --------------------------------------------------------------------------------------------

    def check(self, records: Iterable[tuple[int, dict[str, str]]], outcome: Outcome) -> list[Row]:
        """Every row read and checked, nothing written; the rows to import (new persons) are returned."""
        rows: list[Row] = []
        first_line: dict[tuple[str, str], int] = {}
        for line, raw in records:
            outcome.rows += 1
            row, errors = self.reader.read(line, raw)
            if row is not None:
                errors += self._repeats(row, first_line)
            if row is not None and not errors:
                try:
                    self.prices.price(row)
                    rows.append(row)
                except Bad as bad:
                    errors.append(bad)
            outcome.errors += [(line, bad) for bad in errors]
        new_rows = self._against_database(rows, outcome)
        outcome.errors.sort(key=lambda error: error[0])
        return new_rows

    @staticmethod
    def _repeats(row: Row, first_line: dict[tuple[str, str], int]) -> list[Bad]:
        errors = []
        for column, persian in (("national_code", "کد ملی"), ("insurance_number", "شماره بیمه")):
            key = (column, row.person[column])
            if key in first_line:
                errors.append(Bad(column, f"این {persian} در سطر {fa(first_line[key])} هم آمده است.",
                                  f"same {column.replace('_', ' ')} as line {first_line[key]}"))
            first_line.setdefault(key, row.line)
        return errors

    def _against_database(self, rows: list[Row], outcome: Outcome) -> list[Row]:
        """Rows of people already here: skipped when identical, refused when they differ."""
        existing = self._existing([row.person["national_code"] for row in rows])
        numbers_taken = set(_lookup(InsuredPerson, "insurance_number",
                                    [row.person["insurance_number"] for row in rows]))
        new_rows = []
        for row in rows:
            code = row.person["national_code"]
            if code in existing:
                differs = self._differences(row, *existing[code])
                if differs:
                    outcome.errors.append((row.line, Bad(
                        "national_code", f"این بیمه‌شده با داده‌های دیگری ثبت شده است ({'، '.join(differs)}).",
                        f"already registered with different {', '.join(differs)}")))
                else:
                    outcome.skipped += 1
            elif row.person["insurance_number"] in numbers_taken:
                outcome.errors.append((row.line, Bad(
                    "insurance_number", "این شماره بیمه به نام شخص دیگری ثبت شده است.",
                    "insurance number belongs to another person")))
            else:
                new_rows.append(row)
        return new_rows

    @staticmethod
    def _existing(codes: list[str]) -> dict[str, tuple[dict[str, Any], dict[tuple, set[int]]]]:
        """Each person already here: their fields, and each of their contracts' key with its legacy months."""
        found: dict[str, tuple[dict[str, Any], dict[tuple, set[int]]]] = {}
        for chunk in _chunks(codes, LOOKUP_CHUNK):
            for person in InsuredPerson.objects.filter(national_code__in=chunk).values("pk", *PERSON_FIELDS):
                found[person["national_code"]] = (person, {})
        contracts_of = {person["pk"]: contracts for person, contracts in found.values()}
        covered = CoveredMonth._meta.db_table
        for chunk in _chunks(list(contracts_of), LOOKUP_CHUNK):
            contracts = Contract.objects.filter(insured_id__in=chunk).values_list(
                "pk", "insured_id", "rate_code", "wage_ratio_hundredths", "first_month", "treatment")
            months: dict[int, set[int]] = {contract[0]: set() for contract in contracts}
            if not months:
                continue
            with connection.cursor() as cursor:  # plain YYYYMM integers: a JalaliMonth per paid month is slow
                cursor.execute(f"SELECT contract_id, month FROM {covered} WHERE slip_number = %s AND contract_id IN "
                               f"({', '.join(['%s'] * len(months))})", [LEGACY_SLIP, *months])
                for contract_id, month in cursor.fetchall():
                    months[contract_id].add(month)
            for pk, insured_id, rate_code, ratio, first_month, treatment in contracts:
                contracts_of[insured_id][rate_code, ratio, first_month.as_int(), treatment] = months[pk]
        return found

    @staticmethod
    def _differences(row: Row, person: dict[str, Any], contracts: dict[tuple, set[int]]) -> list[str]:
        differs = [name for name in PERSON_FIELDS if person[name] != row.person[name]]
        paid = contracts.get(row.contract_key())
        if paid is None:
            differs.append("contract")
        elif paid != set(row.paid):
            differs.append("paid_months")
        return differs

    # Writing ---------------------------------------------------------------------------------------------

    def write(self, rows: list[Row], outcome: Outcome) -> None:
        """Persons, contracts and paid months, in the caller's transaction.

        Multi-row INSERTs of values already in stored form rather than bulk_create: preparing each field of
        each model instance costs Django ~30 µs a row, which for the millions of paid months of a large file
        was most of the import. The ids come back by natural key (national code, contract number).
        """
        now = connection.ops.adapt_datetimefield_value(self.now)
        adapt_date = connection.ops.adapt_datefield_value
        insert_rows(InsuredPerson, [*PERSON_FIELDS, "search_key", "created_at"], [
            (*(adapt_date(p[name]) if name == "birth_date" else p[name] for name in PERSON_FIELDS),
             search_key(f"{p['first_name']} {p['last_name']}"), now)
            for p in (row.person for row in rows)
        ])
        person_ids = _lookup(InsuredPerson, "national_code", [row.person["national_code"] for row in rows])
        numbers = contract_numbers(len(rows))
        insert_rows(Contract, ["number", "insured_id", "scheme", "rate_code", "wage_ratio_hundredths", "first_month",
                               "treatment", "status", "lapse_extension_used", "created_at"], [
            (number, person_ids[row.person["national_code"]], SCHEME_OF_RATE[row.rate_code], row.rate_code,
             row.ratio, row.first_month.as_int(), row.treatment, ContractStatus.ACTIVE.value, False, now)
            for row, number in zip(rows, numbers, strict=True)
        ])
        contract_ids = _lookup(Contract, "number", numbers)
        months = [
            (contract_ids[number], month, premium, per_capita, row.persons, premium + per_capita * row.persons,
             LEGACY_SLIP, adapt_date(row.paid_on))
            for row, number in zip(rows, numbers, strict=True) for month, premium, per_capita in row.lines
        ]
        insert_rows(CoveredMonth, ["contract_id", "month", "premium", "per_capita", "persons", "amount_paid",
                                   "slip_number", "paid_on"], months)
        outcome.persons, outcome.covered_months = len(rows), len(months)


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)  # the importer names concrete columns only
    return field.column


def insert_rows(model: type[Model], columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL (about twice as fast as INSERT there); elsewhere INSERT ... VALUES (...), (...) in
    batches that stay under the database's limit of parameters."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(_column(model, c)) for c in columns)
    if connection.vendor == "postgresql":
        _copy(table, names, rows)
        return
    limit = connection.features.max_query_params or 10_000
    batch = max(1, min(1_000, limit // len(columns)))
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, batch):
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(chunk))}",
                           [value for row in chunk for value in row])


def _copy(table: str, names: str, rows: list[tuple[Any, ...]]) -> None:
    # CSV with every text quoted: an unquoted empty field would be read as NULL, a quoted one is ''.
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 100_000):
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC).writerows(chunk)
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)


def _lookup(model: type[Model], key: str, values: list[str]) -> dict[str, int]:
    """{natural key: id} for the rows of `model` whose `key` is among `values`."""
    found: dict[str, int] = {}
    for chunk in _chunks(values, LOOKUP_CHUNK):
        found.update(model._default_manager.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    return found


def contract_numbers(count: int) -> list[str]:
    """`count` consecutive contract numbers, taken from the sequence in one step.

    next_in_sequence locks the counter row until our transaction ends; moving it on by the rest of the block
    while we hold that lock keeps the numbers gap-free and never shared with a clerk registering meanwhile.
    """
    if not count:
        return []
    first = next_in_sequence(CONTRACT_SEQUENCE)
    Counter.objects.filter(key=CONTRACT_SEQUENCE).update(value=F("value") + count - 1)
    return [with_check_digit(f"{CONTRACT_PREFIX}{first + offset:07d}") for offset in range(count)]


def check_header(header: list[str]) -> list[tuple[int, Bad]]:
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in REQUIRED + OPTIONAL]
    errors = []
    if missing:
        errors.append((1, Bad("header", f"ستون‌های {'، '.join(missing)} نیستند.", f"missing {', '.join(missing)}")))
    if unknown:
        errors.append((1, Bad("header", f"ستون‌های {'، '.join(unknown)} شناخته نیستند.",
                              f"unknown {', '.join(unknown)}")))
    return errors


def well_formed(reader: csv.DictReader, width: int, outcome: Outcome) -> Iterator[tuple[int, dict[str, str]]]:
    """Records with the header's number of fields, with their line; the others are reported and left out."""
    for raw in reader:
        found = width - sum(1 for value in raw.values() if value is None) + len(raw.get(None) or [])
        if found != width:
            outcome.rows += 1
            outcome.errors.append((reader.line_num, Bad(
                "row", f"این سطر {fa(found)} ستون دارد و باید {fa(width)} ستون داشته باشد.",
                f"{found} fields, expected {width}")))
            continue
        yield reader.line_num, raw


class Command(BaseCommand):
    help = "Imports insured persons, contracts and paid months from a legacy CSV file (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="UTF-8 CSV file, columns as in docs/import_format.md")
        parser.add_argument("--dry-run", action="store_true", help="check every row and write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        started = time.monotonic()
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows, outcome, importer = self._check(path, handle)
        except (OSError, UnicodeDecodeError) as failure:
            raise CommandError(f"cannot read {path}: {failure}") from None
        if not options["dry_run"]:
            self._write(path, importer, rows, outcome)
        verb = "checked (dry run, nothing written)" if options["dry_run"] else "imported"
        self.stdout.write(
            f"{path.name}: {outcome.rows:,} rows {verb}: {outcome.persons:,} persons and contracts, "
            f"{outcome.covered_months:,} paid months; {outcome.skipped:,} already here and skipped; "
            f"{time.monotonic() - started:.1f} s"
        )

    def _check(self, path: Path, handle: TextIO) -> tuple[list[Row], Outcome, Importer]:
        reader = csv.DictReader(handle)
        header = [normalize(name).lower() for name in reader.fieldnames or []]
        reader.fieldnames = header
        outcome = Outcome(errors=check_header(header))
        if outcome.errors:
            self._refuse(path, outcome)
        importer = Importer(timezone.now().astimezone(TEHRAN))
        rows = importer.check(well_formed(reader, len(header), outcome), outcome)
        if outcome.errors:
            self._refuse(path, outcome)
        return rows, outcome, importer

    def _write(self, path: Path, importer: Importer, rows: list[Row], outcome: Outcome) -> None:
        try:
            with transaction.atomic():
                importer.write(rows, outcome)
                audit_record(actor=Actor.system("import_insured"), action="insured.imported",
                             after={"file": path.name, "rows": outcome.rows, "persons": outcome.persons,
                                    "contracts": outcome.persons, "covered_months": outcome.covered_months,
                                    "skipped": outcome.skipped})
        except IntegrityError as clash:
            raise CommandError(f"{path.name}: a person or number was registered while the file was checked; "
                               f"nothing was imported, run it again ({clash}).") from None
        if connection.vendor == "postgresql" and outcome.persons:
            # Fresh statistics, or the planner takes the freshly loaded tables for empty ones and scans them
            # whole for every lookup (the next import's check, the ledger's queries) until autovacuum runs.
            with connection.cursor() as cursor:
                for model in (InsuredPerson, Contract, CoveredMonth):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def _refuse(self, path: Path, outcome: Outcome) -> None:
        for line, bad in outcome.errors:
            self.stderr.write(f"line {line}: {bad}")
        bad_lines = len({line for line, _ in outcome.errors})
        raise CommandError(f"{path.name}: {bad_lines:,} of {outcome.rows:,} rows are bad; nothing was imported "
                           "(the file is imported whole or not at all).")
