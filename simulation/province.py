"""The simulated province: its branches, staff, a broker office, the bank's cards, and N insured people."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password

from brokers.models import FeeTariff
from insured import ledger, rates, services
from insured.models import Contract, Dependant, InsuredPerson, TreatmentFee
from payments.simulator.models import TestCard
from samt.actors import Actor
from samt.errors import DomainError
from samt.identifiers import is_valid_national_code
from samt.jalali import JalaliMonth
from samt.models import Branch, BrokerOffice, Membership, Province, Role, User
from simulation.profiles import FIRST_MONTH, Person, Profile

# Treatment: 1404's per-capita starts lower and HQ raises it in Dey, back to Farvardin (domain.md §3), so the
# year-end statements of people with treatment show a debt for their debt slips. 1405 has no published figure.
PER_CAPITA_1404_AT_FIRST, PER_CAPITA_1404_REVISED, PER_CAPITA_1405 = 2_000_000, 2_358_000, 3_100_000


class SimulationRefused(Exception):
    pass


@dataclass
class World:
    branches: list[Branch]
    staff: dict[int, Actor]  # branch id -> technical staff
    heads: dict[int, Actor]  # branch id -> branch head
    operator: Actor
    cards: list[TestCard]  # person index -> their own card
    contracts: dict[int, Contract] = field(default_factory=dict)  # person index -> their live contract
    users: dict[int, Actor] = field(default_factory=dict)  # person index -> the insured as an actor


def national_code(serial: int) -> str:
    """A valid national code per serial (domain.md §5); the spread keeps digits 4-9 from being all zero."""
    body = f"{(123_456_789 + serial * 7_919) % 10**9:09d}"
    total = sum(int(d) * (10 - i) for i, d in enumerate(body))
    code = body + str(total % 11 if total % 11 < 2 else 11 - total % 11)
    if not is_valid_national_code(code):
        raise SimulationRefused(f"no valid national code for serial {serial}")
    return code


def _luhn(body: str) -> str:
    total = 0
    for i, digit in enumerate(reversed(body)):
        d = int(digit) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def _staff(username: str, role: str, **place: object) -> Actor:
    user = User.objects.create(username=username, password=make_password(None), first_name="کارمند",
                               last_name=username)
    Membership.objects.create(user=user, role=role, **place)
    return Actor.for_user(user)


def build(people: list[Person]) -> World:
    if InsuredPerson.objects.exists():
        raise SimulationRefused("simulate_year builds its own province: run it on an empty database "
                                "(make simulate makes a fresh one)")
    province = Province.objects.create(code="99", name="استان شبیه‌سازی")
    branches = [Branch.objects.create(code=f"99{i:02d}", name=f"شعبه شبیه‌سازی {i}", province=province,
                                      city="شهر", address="نشانی شعبه", opening_hours="شنبه تا چهارشنبه ۸ تا ۱۴",
                                      phone="021-00000000") for i in (1, 2)]
    office = BrokerOffice.objects.create(code="9901", name="کارگزاری شبیه‌سازی", legal_entity_id="10102233443",
                                         licence_number="SIM-1", responsible_person="مسئول", province=province)
    _reference_data()
    sim = World(
        branches=branches,
        staff={b.pk: _staff(f"sim_staff_{b.code}", Role.TECHNICAL_STAFF, branch=b) for b in branches},
        heads={b.pk: _staff(f"sim_head_{b.code}", Role.BRANCH_HEAD, branch=b) for b in branches},
        operator=_staff("sim_operator", Role.BROKER_OPERATOR, office=office),
        # Each person pays with their own card, as people do (the bank's daily limit is counted per card).
        cards=TestCard.objects.bulk_create(
            TestCard(pan=_luhn(f"603799{i:09d}"), label="شبیه‌سازی", holder="بیمه‌شده", mobile="09120000000",
                     cvv2="123", expiry_year=1410, expiry_month=12, pin2="24680", balance_rial=10**15,
                     daily_limit_rial=10**15) for i in range(len(people))),
    )
    for person in people:
        if person.first_month == FIRST_MONTH:
            register(sim, person)
    return sim


def _reference_data() -> None:
    # The province's world before anyone pays: 1404 begins at its first, lower figure (the published one is
    # HQ's revision below).
    TreatmentFee.objects.filter(year=1404).update(per_capita_monthly=PER_CAPITA_1404_AT_FIRST)
    rates.per_capita_record(actor=Actor.system("simulation"), year=1405, effective_from=JalaliMonth(1405, 1).first_day,
                            per_capita_monthly=PER_CAPITA_1405, source="شبیه‌سازی", reason="رقم سال")
    for year, start, end in ((1404, date(2025, 3, 21), date(2026, 3, 20)), (1405, date(2026, 3, 21),
                                                                            date(2027, 3, 20))):
        FeeTariff.objects.create(year=year, amount=250_000, approval_reference=f"مصوبه شبیه‌سازی {year}",
                                 effective_from=start, effective_to=end)


def revise_per_capita() -> None:
    """HQ's revision of 1404's per-capita: a new row in force from today; the months paid before it at the first
    figure are settled back to Farvardin by the year's statements."""
    rates.per_capita_record(actor=Actor.system("simulation"), year=1404, effective_from=ledger.tehran_today(),
                            per_capita_monthly=PER_CAPITA_1404_REVISED, source="شبیه‌سازی", reason="اصلاح سرانه سال")


def register(sim: World, person: Person) -> Contract:
    """The branch registers the person (their first month is the month they come in) and their login."""
    branch = sim.branches[person.index % len(sim.branches)]
    serial = person.index
    data = services.PersonData(
        national_code=national_code(serial), insurance_number=f"{70_000_000 + serial:08d}", first_name="بیمه‌شده",
        last_name=f"شماره {person.index}", father_name="پدر", birth_date=date(1985, 1, 1), gender="F",
        # A broker proves presence by SMS code or by the national card when no mobile is on file.
        mobile="" if person.profile == Profile.BROKER else f"0912{person.index:07d}", address="",
    )
    terms = services.ContractData(rate_code=("01", "02", "03")[person.index % 3],
                                  wage_ratio_hundredths=100 + person.index % 250, first_month=person.first_month,
                                  treatment=person.profile == Profile.TREATMENT)
    try:
        contract = services.insured_register(actor=sim.staff[branch.pk], person=data, contract=terms,
                                             branch_id=branch.pk)
    except DomainError as refusal:
        raise SimulationRefused(f"person {person.index}: {refusal.message}") from None
    Dependant.objects.bulk_create(
        Dependant(insured=contract.insured, first_name="فرزند", last_name=str(i), relation="child",
                  national_code=national_code(500_000 + person.index * 3 + i)) for i in range(person.dependants))
    user = User.objects.create(username=data.national_code, password=make_password(None))
    InsuredPerson.objects.filter(pk=contract.insured_id).update(user=user)
    contract.insured.user = user
    sim.contracts[person.index] = contract
    sim.users[person.index] = Actor.for_user(user)
    return contract
