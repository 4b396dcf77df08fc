"""Fixed personas every test can name: branch A's staff, head and clerk, branch B's staff, a broker
operator, HQ, an insured person's account and an outsider."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from samt.models import Branch, BrokerOffice, Membership, Province, Role, User

# The browser and page fixtures for Playwright journeys, available to every test module.
pytest_plugins = ["samt.tests.browser_support"]

PASSWORD = "correct-horse-battery-1405"
# Argon2 by design costs real time per hash; in tests that cost would dominate the run. Production hashers
# are checked by the deploy test, not here.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


# The tables whose TRUNCATE a statement trigger refuses on PostgreSQL (samt 0009 and 0010, payments 0007), and
# the trigger.
TRUNCATE_GUARDS = {"samt_auditevent": "samt_auditevent_no_truncate", "samt_auditlink": "samt_auditlink_no_truncate",
                   "payments_paymentevent": "payments_paymentevent_no_truncate"}


@pytest.fixture(scope="session", autouse=True)
def test_flush_lifts_the_truncate_guards():
    """A transactional test ends with Django's flush, a TRUNCATE of every table, which the audit trail's and the
    payment log's guards refuse. Here, and only here, the flush lifts them inside its own transaction with ALTER
    TABLE … DISABLE TRIGGER, which needs the table's owner, as dropping the trigger would: the application's runtime
    role owns no table (docs/deploy.md), so this gives it no way around the guard that it did not have."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    flush = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = flush(self, style, tables, **kwargs)
        guarded = [(table, trigger) for table, trigger in TRUNCATE_GUARDS.items() if table in tables]
        if not statements or not guarded:
            return statements
        return [*(f"ALTER TABLE {table} DISABLE TRIGGER {trigger};" for table, trigger in guarded), *statements,
                *(f"ALTER TABLE {table} ENABLE TRIGGER {trigger};" for table, trigger in guarded)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture
def province(db) -> Province:
    return Province.objects.create(code="23", name="تهران")


@pytest.fixture
def other_province(db) -> Province:
    return Province.objects.create(code="11", name="اصفهان")


def make_branch(province: Province, code: str, name: str) -> Branch:
    return Branch.objects.create(
        code=code, name=name, province=province, city="تهران", address="نشانی آزمایشی",
        opening_hours="شنبه تا چهارشنبه ۷:۳۰ تا ۱۴:۳۰", phone="021-00000000",
    )


@pytest.fixture
def branch_a(province: Province) -> Branch:
    return make_branch(province, "2104", "شعبه الف")


@pytest.fixture
def branch_b(province: Province) -> Branch:
    return make_branch(province, "2107", "شعبه ب")


@pytest.fixture
def office(province: Province) -> BrokerOffice:
    return BrokerOffice.objects.create(
        code="1001", name="کارگزاری امید", legal_entity_id="10102233443", licence_number="L-1001",
        responsible_person="مهدی کاظمی", province=province,
    )


def make_user(username: str, *, role: Role | None = None, **place: object) -> User:
    user = User.objects.create(username=username, password=make_password(PASSWORD), first_name="نام",
                               last_name=username)
    if role is not None:
        Membership.objects.create(user=user, role=role, **place)
    return user


def add_totp(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


@pytest.fixture
def staff_a(branch_a: Branch) -> User:
    return make_user("staff_a", role=Role.TECHNICAL_STAFF, branch=branch_a)


@pytest.fixture
def head_a(branch_a: Branch) -> User:
    return make_user("head_a", role=Role.BRANCH_HEAD, branch=branch_a)


@pytest.fixture
def clerk_a(branch_a: Branch) -> User:
    return make_user("clerk_a", role=Role.SECRETARIAT, branch=branch_a)


@pytest.fixture
def staff_b(branch_b: Branch) -> User:
    return make_user("staff_b", role=Role.TECHNICAL_STAFF, branch=branch_b)


@pytest.fixture
def broker_operator(office: BrokerOffice) -> User:
    return make_user("operator", role=Role.BROKER_OPERATOR, office=office)


@pytest.fixture
def hq_user(province: Province) -> User:
    user = make_user("hq", role=Role.HQ, province=province)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def insured_user(db) -> User:
    return make_user("0499370899")


@pytest.fixture
def outsider(db) -> User:
    return make_user("outsider")


def verified_client(user: User) -> Client:
    """A client logged in as `user` who has passed the second factor where their role needs one."""
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    if user.role != Role.INSURED or user.is_staff:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or add_totp(user)
        # A TOTP code is accepted once; a second client for the same user in the same 30 s must be let in too.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
        response = client.post("/otp/verify/", {"token": current_code(device)})
        assert response.status_code == 302, "second factor refused in fixture"
    return client


@pytest.fixture
def client_for():
    return verified_client


@pytest.fixture
def qr_drawn(monkeypatch) -> list[str]:
    """What each QR code drawn while the test runs carries, in order (drawing one takes about 10 ms of CPU)."""
    import segno

    drawn: list[str] = []
    make = segno.make

    def drawing(content: str, **options: object) -> segno.QRCode:
        drawn.append(content)
        return make(content, **options)

    monkeypatch.setattr(segno, "make", drawing)
    return drawn


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A transactional test ends by flushing every table, which would also wipe the reference data that
    # migrations load (the published rate tables, the PSP simulator's terminal and cards) for every test
    # after it. Serialized rollback reloads that data at the start of each transactional test.
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and "serialized_rollback" not in marker.kwargs:
            item.add_marker(pytest.mark.django_db(**marker.kwargs, serialized_rollback=True), append=False)
