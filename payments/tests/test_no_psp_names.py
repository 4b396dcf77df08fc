"""Nothing outside the adapters knows which PSP it is talking to (issue 17): the code and templates outside
payments/gateways/ (and the simulator, which plays the PSPs) name no PSP, no PSP host, no SOAP operation and
none of the PSPs' own field spellings. Adding a third PSP is then a new adapter and a settings entry."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Names of PSPs and their hosts, whole words in any case; the PSPs' own field names and operations, exact.
NAMES = re.compile(r"\b(sep|saman|mellat|behpardakht|sadad|bpm|shaparak|irankish|parsian|pasargad)\b", re.I)
FIELDS = re.compile(r"\b(RefNum|ResNum|RefId|SaleReferenceId|SaleOrderId|ResCode|TerminalNumber|AffectiveAmount|"
                    r"OrginalAmount|StraceNo|SecurePan|CardHolderPan|FinalAmount|bp[A-Z][A-Za-z]*Request)\b")
# PSP names as Persian text would write them (card issuers' bank names are not PSPs and are allowed).
PERSIAN = re.compile(r"به\u200c?پرداخت ملت|پرداخت الکترونیک سامان|\bسپ\b")
SKIPPED_PARTS = {".venv", "node_modules", "migrations", "tests", "staticfiles", "var", ".git", "__pycache__"}
# Where PSPs are meant to be known: the adapters, the simulator, and the settings that choose the adapters.
KNOWING = [ROOT / "payments" / "gateways", ROOT / "payments" / "simulator", ROOT / "samt" / "settings.py"]


def walked() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        if path.suffix not in (".py", ".html", ".txt", ".js") or not path.is_file():
            continue
        relative = path.relative_to(ROOT)
        if SKIPPED_PARTS & set(relative.parts) or path.name == "conftest.py" or relative.parts[0] in ("docs", "bench"):
            continue
        if any(path == place or place in path.parents for place in KNOWING):
            continue
        files.append(path)
    return files


def test_no_psp_name_outside_the_adapters():
    found = []
    for path in walked():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for pattern in (NAMES, FIELDS, PERSIAN):
                for match in pattern.finditer(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert found == []


def test_the_walk_covers_the_payment_code_and_would_catch_a_name():
    paths = {path.relative_to(ROOT).as_posix() for path in walked()}
    assert {"payments/services.py", "payments/views.py", "payments/reconciliation.py", "payments/models.py",
            "payments/templates/payments/result.html"} <= paths
    assert not any(path.startswith(("payments/gateways/", "payments/simulator/")) for path in paths)
    assert NAMES.search("gateway = SepGateway()") is None  # a class name is caught by its module path instead
    assert NAMES.search("from payments.gateways.sep import x") and FIELDS.search('data["RefNum"]')
    assert NAMES.search("the Mellat terminal") and PERSIAN.search("درگاه به‌پرداخت ملت")
    assert PERSIAN.search("به پرداخت‌کننده گفته شد") is None
