"""Who the simulated insured are and when each of them pays: pure functions of a seeded random source.

The year runs fourteen Jalali months, Mehr 1404 to Aban 1405, across Nowruz 1405. Every payment covers the
person's months from the first unpaid one through the month they pay in; a profile only decides when.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from samt.jalali import TEHRAN, JalaliMonth

FIRST_MONTH = JalaliMonth(1404, 7)
MONTHS = FIRST_MONTH.through(JalaliMonth(1405, 8))  # fourteen months, Nowruz between the 6th and the 7th
NOWRUZ = JalaliMonth(1405, 1)
LAST_MINUTE = time(23, 59, 30)
# A newcomer is registered when the branch opens on the first of their first month, before anyone's day begins
# (people pay from 08:00), so their own first payment that day comes after it.
BRANCH_OPENS = time(7, 30)


class Profile(StrEnum):
    EVERY_MONTH = "pays every month"
    QUARTER = "pays a quarter at once"
    LAST_MINUTE = "pays at 23:59 on the last payable day"
    FORGETS_TWO = "forgets two months"
    FORGETS_FOUR = "forgets four months"
    MID_YEAR = "starts mid-year"
    TREATMENT = "has treatment dependants"
    BROKER = "pays at a broker"
    COUNTER = "pays at the counter"


PROFILES = list(Profile)
# Forgetting four months lapses the contract (domain.md §3): this person alone is rightly sent to the branch.
PAYS_IN_TIME = frozenset(PROFILES) - {Profile.FORGETS_FOUR}
FORGOTTEN = {Profile.FORGETS_TWO: range(4, 6), Profile.FORGETS_FOUR: range(1, 5)}  # month indexes skipped
MID_YEAR_START = 9  # Tir 1405


@dataclass(frozen=True)
class Person:
    index: int
    profile: Profile
    first_month: JalaliMonth
    dependants: int
    payments: tuple[datetime, ...]  # when they pay up to the month they are in


def at(month: JalaliMonth, day: int, moment: time) -> datetime:
    return datetime.combine(month.first_day + timedelta(days=day - 1), moment, TEHRAN)


def _daytime(rng: random.Random) -> time:
    return time(rng.randint(8, 21), rng.randint(0, 59), rng.randint(0, 59))


def payment_times(profile: Profile, rng: random.Random) -> tuple[datetime, ...]:
    if profile == Profile.LAST_MINUTE:
        return tuple(at(month, month.days, LAST_MINUTE) for month in MONTHS)
    if profile == Profile.QUARTER:
        indexes: list[int] = [2, 5, 8, 11, 13]
    elif profile == Profile.MID_YEAR:
        indexes = list(range(MID_YEAR_START, len(MONTHS)))
    else:
        indexes = [i for i in range(len(MONTHS)) if i not in FORGOTTEN.get(profile, range(0))]
    day = rng.randint(1, 25)  # people keep a habit: the same day of every month
    return tuple(at(MONTHS[i], day, _daytime(rng)) for i in indexes)


def people(count: int, seed: int) -> list[Person]:
    """`count` people, the profiles dealt in turn so every one is present from nine people up."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        profile = PROFILES[index % len(PROFILES)]
        first = MONTHS[MID_YEAR_START] if profile == Profile.MID_YEAR else FIRST_MONTH
        dependants = rng.randint(1, 2) if profile == Profile.TREATMENT else 0
        out.append(Person(index=index, profile=profile, first_month=first, dependants=dependants,
                          payments=payment_times(profile, rng)))
    return out
