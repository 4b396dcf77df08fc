"""Demo insured persons (issue 3, item 8), called by `seed_demo` inside its transaction.

One person on each rate code (01, 02, 03 self-employed, voluntary), one with treatment and two dependants, a
debtor whose last-year statement closes the gate, one lapsed, one whose contract began this year; each with a
paid history at the rates in force and a login (username = national code). Months are counted back from
`JalaliMonth.current()`, so the demo tells the same story whenever it is loaded.

Safe to run again: a person already on record (by national code) is left as they are; only their login is
brought back to the demo password. What each person shows is read back from the ledger, not assumed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from io import TextIOBase

from django.utils import timezone

from insured import ledger, rules, services
from insured.models import LEGACY_SLIP_NUMBER, AccountStatement, Contract, CoveredMonth, InsuredPerson, TreatmentFee
from samt.actors import Actor
from samt.errors import DomainError
from samt.identifiers import is_valid_national_code
from samt.jalali import JalaliMonth, parse_jalali_date
from samt.models import Branch, User

LEGACY_SLIP = LEGACY_SLIP_NUMBER

# A month, given the current one.
MonthRule = Callable[[JalaliMonth], JalaliMonth]


@dataclass(frozen=True)
class DemoDependant:
    code_body: str
    first_name: str
    last_name: str
    relation: str


@dataclass(frozen=True)
class Persona:
    key: str  # what the persona is for, as tests name it
    code_body: str  # nine digits; the check digit is computed
    insurance_number: str
    first_name: str
    last_name: str
    father_name: str
    gender: str
    born: str  # Jalali
    mobile: str
    address: str
    branch_code: str
    rate_code: str
    ratio_hundredths: int
    first_month: MonthRule
    last_paid: MonthRule
    treatment: bool = False
    dependants: tuple[DemoDependant, ...] = ()
    # Months of last year paid at the year before's minimum wage: the legacy system issued those slips before
    # the new minimum was applied, so the yearly statement finds the difference (domain.md §3).
    underpaid_spring: bool = False


@dataclass(frozen=True)
class DemoRow:
    username: str
    name: str
    shows: str


@dataclass
class _Seeding:
    actor: Actor
    current: JalaliMonth
    notes: list[str] = field(default_factory=list)


def _last_year(current: JalaliMonth) -> int:
    return current.year - 1


PERSONAS = [
    Persona("rate_01", "004216735", "2104000101", "علیرضا", "صادقی", "حسن", "M", "1360/05/12", "09121110101",
            "تهران، خیابان شریعتی، کوچه یاس، پلاک ۸", "2104", "01", 100,
            first_month=lambda c: JalaliMonth(c.year - 3, 1), last_paid=lambda c: c - 1),
    Persona("rate_02", "007835192", "2107000102", "نرگس", "کاظمی", "محمود", "F", "1365/11/03", "09121110102",
            "تهران، تهرانپارس، خیابان جشنواره، پلاک ۲۱۴", "2107", "02", 150,
            first_month=lambda c: JalaliMonth(c.year - 4, 7), last_paid=lambda c: c - 2),
    Persona("treatment", "002961458", "2104000103", "محمدرضا", "قاسمی", "عباس", "M", "1358/02/20", "09121110103",
            "تهران، خیابان مطهری، خیابان میرعماد، پلاک ۱۷", "2104", "03", 200,
            first_month=lambda c: JalaliMonth(c.year - 2, 1), last_paid=lambda c: c - 1, treatment=True,
            dependants=(DemoDependant("004381926", "لیلا", "قاسمی", "spouse"),
                        DemoDependant("004917253", "امیرحسین", "قاسمی", "child"))),
    Persona("voluntary", "006173924", "2107000104", "پروین", "رحیمی", "اکبر", "F", "1348/07/01", "09121110104",
            "تهران، نارمک، خیابان گلبرگ، پلاک ۹۳", "2107", "VOL", 120,
            first_month=lambda c: JalaliMonth(c.year - 5, 4), last_paid=lambda c: c - 1),
    Persona("debtor", "003548217", "2104000105", "حمید", "نوروزی", "رضا", "M", "1362/09/15", "09121110105",
            "تهران، یوسف‌آباد، خیابان بیستم، پلاک ۶", "2104", "01", 300,
            first_month=lambda c: JalaliMonth(c.year - 2, 1), last_paid=lambda c: c - 2, underpaid_spring=True),
    Persona("lapsed", "005729361", "2107000106", "سمیه", "اکبری", "جواد", "F", "1370/03/25", "09121110106",
            "تهران، پیروزی، خیابان نبرد، پلاک ۴۰", "2107", "02", 100,
            # Five months back: the first unpaid month is four behind, one more than the three allowed.
            first_month=lambda c: JalaliMonth(c.year - 2, 1), last_paid=lambda c: c - 5),
    Persona("new_this_year", "008462193", "2104000107", "امید", "شریفی", "مجید", "M", "1378/12/05", "09121110107",
            "تهران، خیابان ولیعصر، کوچه بهار، پلاک ۳", "2104", "01", 130,
            first_month=lambda c: JalaliMonth(c.year, max(1, c.month - 2)), last_paid=lambda c: c - 1),
]


def persona(key: str) -> Persona:
    return next(p for p in PERSONAS if p.key == key)


def national_code(body: str) -> str:
    """`body` (nine digits) and the one check digit that samt.identifiers accepts."""
    return next(body + digit for digit in "0123456789" if is_valid_national_code(body + digit))


def seed_insured_demo(stdout: TextIOBase, *, password: str, current: JalaliMonth | None = None) -> list[DemoRow]:
    """Create the demo insured (once) and their logins; return who is who. Runs inside the caller's transaction."""
    seeding = _Seeding(actor=Actor.system("seed_demo"), current=current or JalaliMonth.current())
    rows = []
    for persona in PERSONAS:
        code = national_code(persona.code_body)
        insured = InsuredPerson.objects.filter(national_code=code).first() or _create(persona, code, seeding)
        _login(insured, password)
        rows.append(DemoRow(username=code, name=insured.full_name, shows=_shows(insured, seeding.current)))
    for note in seeding.notes:
        stdout.write(f"{note}\n")
    return rows


def _create(persona: Persona, code: str, seeding: _Seeding) -> InsuredPerson:
    person = services.PersonData(
        national_code=code, insurance_number=persona.insurance_number, first_name=persona.first_name,
        last_name=persona.last_name, father_name=persona.father_name, birth_date=parse_jalali_date(persona.born),
        gender=persona.gender, mobile=persona.mobile, address=persona.address,
    )
    terms = services.ContractData(rate_code=persona.rate_code, wage_ratio_hundredths=persona.ratio_hundredths,
                                  first_month=persona.first_month(seeding.current), treatment=persona.treatment)
    branch = Branch.objects.get(code=persona.branch_code)
    contract = services.insured_register(actor=seeding.actor, person=person, contract=terms, branch_id=branch.pk,
                                         now=terms.first_month.starts_at)
    for dependant in persona.dependants:
        services.dependant_add(actor=seeding.actor, insured=contract.insured, first_name=dependant.first_name,
                               last_name=dependant.last_name, national_code=national_code(dependant.code_body),
                               relation=dependant.relation)
    _pay(contract, persona, seeding.current)
    if contract.first_month.year <= _last_year(seeding.current):
        _settle_last_year(contract, seeding)
    return contract.insured


def _pay(contract: Contract, persona: Persona, current: JalaliMonth) -> None:
    """Legacy payments (slip number "legacy") from the first month to the persona's last paid one."""
    months = contract.first_month.through(persona.last_paid(current))
    persons = ledger.treatment_persons(contract)
    lines = ledger.lines_for(months=months, rate_code=contract.rate_code,
                             ratio_hundredths=contract.wage_ratio_hundredths, persons=0)
    underpaid = {JalaliMonth(_last_year(current), month) for month in (1, 2, 3)} if persona.underpaid_spring else set()
    CoveredMonth.objects.bulk_create([
        _covered(contract, _spring_at_old_wage(line, contract) if line.month in underpaid else line, persons)
        for line in lines
    ])


def _spring_at_old_wage(line: rules.MonthLine, contract: Contract) -> rules.MonthLine:
    old = ledger.wage_in_force(JalaliMonth.esfand(line.month.year - 1))
    return rules.month_line(line.month, ratio_hundredths=contract.wage_ratio_hundredths, rate_bp=line.rate_bp,
                            wage=old)


def _covered(contract: Contract, line: rules.MonthLine, persons: int) -> CoveredMonth:
    per_capita = _per_capita_charged(line.month.year) if persons else 0
    return CoveredMonth(
        contract=contract, month=line.month, premium=line.premium, per_capita=per_capita, persons=persons,
        amount_paid=line.premium + per_capita * persons, slip_number=LEGACY_SLIP,
        paid_on=min(line.month.next().first_day + timedelta(days=9), timezone.localdate()),
    )


def _per_capita_charged(year: int) -> int:
    """The year's per-capita fee; until HQ enters it, the last one published, which is what was charged
    meanwhile (domain.md §3: per-capita increases reach back to Farvardin through the yearly statement)."""
    try:
        return ledger.per_capita_for(year)
    except DomainError:
        earlier = TreatmentFee.objects.filter(year__lt=year).order_by("-year", "-effective_from", "-id").first()
        return earlier.per_capita_monthly if earlier else 0


def _settle_last_year(contract: Contract, seeding: _Seeding) -> None:
    """Compute and issue last year's statement: settled at once when nothing is owed, open with a debt else."""
    year = _last_year(seeding.current)
    try:
        statement = services.statement_compute(actor=seeding.actor, contract=contract, year=year)
    except DomainError as missing:
        seeding.notes.append(f"  statement {year} of {contract.insured.national_code} not computed: {missing.message}")
        return
    services.statement_issue(actor=seeding.actor, statement=statement)


def _login(insured: InsuredPerson, password: str) -> None:
    user, _ = User.objects.update_or_create(
        username=insured.national_code,
        defaults={"first_name": insured.first_name, "last_name": insured.last_name, "is_active": True},
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    if insured.user_id != user.pk:
        insured.user = user
        insured.save(update_fields=["user"])


def _shows(insured: InsuredPerson, current: JalaliMonth) -> str:
    """What the person's record shows this month, read back from the ledger."""
    contract = insured.contracts.order_by("-created_at").first()
    if contract is None:
        return "no contract"
    standing = ledger.standing(contract, current)
    terms = f"rate {contract.rate_code}, {contract.wage_ratio:.2f}x minimum"
    if contract.treatment:
        terms += f", treatment for {ledger.treatment_persons(contract)}"
    paid = f"paid {contract.first_month}–{standing.last_paid}" if standing.last_paid else "nothing paid yet"
    return f"{terms}; since {contract.first_month}; {paid}; {_state(contract, standing)}"


def _missing_per_capita(contract: Contract, standing: ledger.Standing) -> str:
    try:
        if contract.treatment:
            ledger.per_capita_for(standing.first_unpaid.year)
    except DomainError:
        return f" (but refused until HQ enters the {standing.first_unpaid.year} per-capita fee)"
    return ""


def _state(contract: Contract, standing: ledger.Standing) -> str:
    if standing.can_issue:
        return f"can issue online up to {standing.latest_end}{_missing_per_capita(contract, standing)}"
    if rules.is_lapsed(standing.first_unpaid, standing.current, extended=contract.lapse_extension_used):
        return f"lapsed: unpaid since {standing.first_unpaid}"
    year = _last_year(standing.current)
    statement = AccountStatement.objects.filter(contract=contract, year=year).first()
    if statement is not None and statement.balance > 0:
        return f"gate closed: {year} statement owes {statement.balance:,} rials"
    return f"gate closed: {year} statement not issued"
