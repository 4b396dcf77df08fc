"""Gap-free sequences and document numbers that carry our mod-11 check digit (domain.md §5)."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from samt.identifiers import with_check_digit
from samt.models import Counter


def next_in_sequence(key: str) -> int:
    """The next value of sequence `key`, gap-free as long as the caller's transaction commits.

    The counter row stays locked until the caller's transaction ends, so two clerks registering at the same
    instant get consecutive numbers, never the same one; a rolled-back caller gives its number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_in_sequence must run inside the transaction that uses the number")
    counter = _locked_counter(key)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def _locked_counter(key: str) -> Counter:
    counter = Counter.objects.select_for_update().filter(key=key).first()
    if counter is not None:
        return counter
    try:
        # A savepoint, so losing the race to create the row does not spoil the caller's transaction.
        with transaction.atomic():
            Counter.objects.create(key=key)
    except IntegrityError:
        pass
    return Counter.objects.select_for_update().get(key=key)


def document_number(prefix: str, key: str, width: int = 7) -> str:
    """A new number `prefix` + zero-padded sequence + check digit, e.g. contract 3 0000042 7."""
    return with_check_digit(f"{prefix}{next_in_sequence(key):0{width}d}")


def reserve_in_sequence(key: str, count: int) -> int:
    """Take `count` consecutive values of sequence `key` at once and return the first: a batch numbers a whole
    chunk of documents with one locked counter update instead of one per document."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve_in_sequence must run inside the transaction that uses the numbers")
    counter = _locked_counter(key)
    first = counter.value + 1
    counter.value += count
    counter.save(update_fields=["value"])
    return first


def sequence_document_number(prefix: str, *, sequence: str, key: str, width: int) -> str:
    """A document number from the PostgreSQL sequence `sequence`: unique, and no transaction ever waits for
    another to take one. Numbers of rolled-back transactions are skipped, so use this only where no register
    needs the numbers gap-free. SQLite, which has no sequences and one writer at a time, uses the counter `key`."""
    if connection.vendor != "postgresql":
        return document_number(prefix, key, width)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence])
        value = cursor.fetchone()[0]
    return with_check_digit(f"{prefix}{value:0{width}d}")
