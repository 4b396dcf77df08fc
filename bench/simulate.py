"""make simulate: simulate_year in a fresh database (PostgreSQL `<name>_simulate` on the server of DATABASE_URL
when that is set, else a new SQLite file under var/bench/), so the portal's own database is never touched."""

from __future__ import annotations

import sys

from batch_support import fresh_database


def main() -> None:
    fresh_database("simulate")
    from django.core.management import call_command

    call_command("simulate_year", *sys.argv[1:])


if __name__ == "__main__":
    main()
