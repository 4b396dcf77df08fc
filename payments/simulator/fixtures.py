"""The simulator's standing data: a terminal per PSP and the test cards. Installed by a data migration and again by
"reset", through whichever app registry the caller has (historical in the migration, live at run time)."""

from __future__ import annotations

from typing import Any

TERMINAL_ID = "10012345"
TERMINAL = {
    "merchant_name": "سازمان تأمین اجتماعی",
    "enabled": True,
    "callback_style": "v4.1",
    # The portal's server calls from the same machine in development; other addresses get code 8 / -106.
    "allowed_ips": "127.0.0.1,::1",
}
MELLAT_TERMINAL_ID = "20012345"
MELLAT_USERNAME, MELLAT_PASSWORD = "samt", "samt-simulator"
MELLAT_TERMINAL = {
    "psp": "mellat",
    "merchant_name": "سازمان تأمین اجتماعی",
    "enabled": True,
    "allowed_ips": "127.0.0.1,::1",
    "username": MELLAT_USERNAME,
    "password": MELLAT_PASSWORD,
}

# Valid Luhn numbers with real issuer prefixes (payments.md §1); expiry is Jalali. Balances in rials.
CARDS: list[dict[str, Any]] = [
    {"pan": "6037991111222232", "label": "پرداخت موفق", "holder": "مریم احمدی", "mobile": "09120000001",
     "cvv2": "4821", "expiry_year": 1410, "expiry_month": 12, "pin2": "13579",
     "balance_rial": 2_000_000_000, "daily_limit_rial": 1_000_000_000},
    {"pan": "6104335555666678", "label": "پرداخت موفق (کارت دوم)", "holder": "علی رضایی", "mobile": "09120000002",
     "cvv2": "357", "expiry_year": 1409, "expiry_month": 6, "pin2": "24680",
     "balance_rial": 500_000_000, "daily_limit_rial": 1_000_000_000},
    {"pan": "6104339876543210", "label": "موجودی ناکافی", "holder": "رضا کریمی", "mobile": "09120000003",
     "cvv2": "908", "expiry_year": 1409, "expiry_month": 3, "pin2": "55667",
     "balance_rial": 50_000, "daily_limit_rial": 1_000_000_000},
    {"pan": "5892107777888895", "label": "کارت منقضی", "holder": "زهرا موسوی", "mobile": "09120000004",
     "cvv2": "271", "expiry_year": 1402, "expiry_month": 6, "pin2": "99887",
     "balance_rial": 500_000_000, "daily_limit_rial": 1_000_000_000},
    {"pan": "6037991234567893", "label": "بیش از سقف روزانه", "holder": "حسین صادقی", "mobile": "09120000005",
     "cvv2": "813", "expiry_year": 1410, "expiry_month": 1, "pin2": "31415",
     "balance_rial": 900_000_000, "daily_limit_rial": 1_000_000},
    {"pan": "6219862468135790", "label": "صادرکننده در دسترس نیست", "holder": "فاطمه نوری", "mobile": "09120000006",
     "cvv2": "566", "expiry_year": 1409, "expiry_month": 11, "pin2": "27182",
     "balance_rial": 500_000_000, "daily_limit_rial": 1_000_000_000, "issuer_available": False},
    {"pan": "6219863333444458", "label": "صادرکننده کند (۵ ثانیه، سپس موفق)", "holder": "مهدی جعفری",
     "mobile": "09120000007", "cvv2": "642", "expiry_year": 1409, "expiry_month": 9, "pin2": "11223",
     "balance_rial": 500_000_000, "daily_limit_rial": 1_000_000_000, "issuer_delay_seconds": 5},
]
CARD_DEFAULTS = {"issuer_available": True, "issuer_delay_seconds": 0, "failed_pin_attempts": 0, "locked": False}


def install(registry: Any) -> None:
    """Create or restore the terminals, their scenarios and the cards to their initial state.

    The 0002 data migration calls this with a model from before terminals had a PSP; it gets the SEP terminal
    only, and migration 0004 adds the Mellat one.
    """
    terminal_model = registry.get_model("psp_simulator", "Terminal")
    terminals = [(TERMINAL_ID, TERMINAL)]
    if any(field.name == "psp" for field in terminal_model._meta.get_fields()):
        terminals.append((MELLAT_TERMINAL_ID, MELLAT_TERMINAL))
    for terminal_id, defaults in terminals:
        terminal, _ = terminal_model.objects.update_or_create(terminal_id=terminal_id, defaults=defaults)
        registry.get_model("psp_simulator", "Scenario").objects.get_or_create(terminal=terminal)
    card_model = registry.get_model("psp_simulator", "TestCard")
    for card in CARDS:
        card_model.objects.update_or_create(pan=card["pan"], defaults={**CARD_DEFAULTS, **card})
