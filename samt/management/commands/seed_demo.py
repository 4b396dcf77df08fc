"""Demo data for trying the portal: one province, two branches, a broker office, HQ, one account per role.

Safe to run again: every row is found by its natural key and brought back to the values below, and
passwords and TOTP secrets are derived from the username, so the printed table never changes.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from brokers.demo import seed_brokers_demo
from insured.demo import DemoRow, seed_insured_demo
from samt.models import HQ_ROLES, Branch, BrokerOffice, Membership, Province, Role, User

DEMO_PASSWORD = "samt-demo-1405"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: Role
    branch_code: str = ""
    office_code: str = ""


BRANCHES = [
    {"code": "2104", "name": "شعبه ۴ تهران (شهید بهشتی)", "city": "تهران",
     "address": "تهران، خیابان شهید بهشتی، پلاک ۱۲۰", "opening_hours": "شنبه تا چهارشنبه، ۷:۳۰ تا ۱۴:۳۰",
     "phone": "021-88700000"},
    {"code": "2107", "name": "شعبه ۷ تهران (نارمک)", "city": "تهران",
     "address": "تهران، نارمک، میدان هفت‌حوض، پلاک ۴۵", "opening_hours": "شنبه تا چهارشنبه، ۷:۳۰ تا ۱۴:۳۰",
     "phone": "021-77800000"},
]

OFFICE = {"code": "1001", "name": "کارگزاری رسمی امید", "legal_entity_id": "10102233443",
          "licence_number": "ک/۱۰۰۱/۹۸", "responsible_person": "مهدی کاظمی",
          "address": "تهران، خیابان انقلاب، پلاک ۳۳۰"}

OFFICE_BRANCH = "2104"  # the branch near the office, named on its poster

ACCOUNTS = [
    DemoAccount("head_2104", "زهرا", "محمدی", Role.BRANCH_HEAD, branch_code="2104"),
    DemoAccount("staff_2104", "علی", "رضایی", Role.TECHNICAL_STAFF, branch_code="2104"),
    DemoAccount("clerk_2104", "مریم", "احمدی", Role.SECRETARIAT, branch_code="2104"),
    DemoAccount("head_2107", "حسین", "کریمی", Role.BRANCH_HEAD, branch_code="2107"),
    DemoAccount("staff_2107", "فاطمه", "حسینی", Role.TECHNICAL_STAFF, branch_code="2107"),
    DemoAccount("clerk_2107", "رضا", "موسوی", Role.SECRETARIAT, branch_code="2107"),
    DemoAccount("broker_1001", "سارا", "نوری", Role.BROKER_OPERATOR, office_code="1001"),
    DemoAccount("hq_tehran", "محمد", "جعفری", Role.HQ),
    DemoAccount("tech_tehran", "لیلا", "عباسی", Role.HQ_TECHNICAL),
    DemoAccount("brokers_tehran", "کامران", "صالحی", Role.BROKER_AFFAIRS),
    DemoAccount("dp_tehran", "نازنین", "یوسفی", Role.DATA_PROCESSING),
]


def demo_totp_key(username: str) -> str:
    """A fixed secret per demo account (hex, as django-otp stores it), so re-seeding keeps phones working."""
    return hashlib.sha1(f"samt-demo-totp:{username}".encode()).hexdigest()


class Command(BaseCommand):
    help = "Loads the demo organisation and accounts (DEBUG only) and prints every account and password."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG=1: it creates accounts with published passwords.")
        with transaction.atomic():
            province = self._organisation()
            rows = [self._account(account, province) for account in ACCOUNTS]
            insured = seed_insured_demo(self.stdout, password=DEMO_PASSWORD)
            seed_brokers_demo(self.stdout)
        self._print(rows)
        self._print_insured(insured)

    def _organisation(self) -> Province:
        province, _ = Province.objects.update_or_create(code="23", defaults={"name": "تهران"})
        for branch in BRANCHES:
            Branch.objects.update_or_create(code=branch["code"], defaults={**branch, "province": province})
        BrokerOffice.objects.update_or_create(code=OFFICE["code"], defaults={
            **OFFICE, "province": province, "branch": Branch.objects.get(code=OFFICE_BRANCH)})
        return province

    def _account(self, account: DemoAccount, province: Province) -> tuple[str, str, str]:
        user, _ = User.objects.update_or_create(
            username=account.username,
            defaults={"first_name": account.first_name, "last_name": account.last_name, "is_active": True,
                      "is_staff": account.role == Role.HQ},
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        Membership.objects.update_or_create(
            user=user,
            defaults={
                "role": account.role,
                "branch": Branch.objects.filter(code=account.branch_code).first(),
                "office": BrokerOffice.objects.filter(code=account.office_code).first(),
                "province": province if account.role in HQ_ROLES else None,
            },
        )
        key = demo_totp_key(account.username)
        TOTPDevice.objects.update_or_create(user=user, name="demo", defaults={"key": key, "confirmed": True})
        secret = base64.b32encode(bytes.fromhex(key)).decode()
        return account.username, Role(account.role).label, secret

    def _print(self, rows: list[tuple[str, str, str]]) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Every staff account uses the password below."))
        self.stdout.write(f"  password for all demo accounts: {DEMO_PASSWORD}")
        self.stdout.write("  staff sign in with a TOTP code as well: add the secret to an authenticator app, or run")
        self.stdout.write("  `python manage.py totp_code USERNAME` (or `make totp ACCOUNT=USERNAME`) for the code.")
        self.stdout.write("")
        self.stdout.write(f"  {'username':<14} {'TOTP secret':<34} role")
        for username, role, secret in rows:
            self.stdout.write(f"  {username:<14} {secret:<34} {role}")

    def _print_insured(self, rows: list[DemoRow]) -> None:
        self.stdout.write("")
        self.stdout.write("  insured persons: username (national code), name, what they show (read back from the")
        self.stdout.write(f"  ledger as it stands this month); password {DEMO_PASSWORD}, no second factor.")
        for row in rows:
            self.stdout.write(f"  {row.username:<14} {row.name}")
            self.stdout.write(f"  {'':<14} {row.shows}")
