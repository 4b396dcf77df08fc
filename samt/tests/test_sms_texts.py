"""Every text the portal sends fits two SMS segments with its longest figures (70/67 UCS-2 characters)."""

from __future__ import annotations

from datetime import date

import pytest

from samt import sms_texts
from samt.jalali import JalaliMonth as M
from samt.sms_texts import sms_segments

# The longest values each text can carry: a production link (SITE_URL + /p/ + a 22-character code), twelve
# months across two years, a ten-digit-rial amount, a long branch and office name, a 32-character bank reference.
LINK = "https://samt.tamin.ir/p/AbCdEfGhIjKlMnOpQrStUv/"
LONGEST = {
    "slip_issued": dict(first=M(1404, 12), last=M(1405, 11), amount=9_876_543_210, until=date(2027, 3, 20),
                        link=LINK),
    "slip_credited": dict(first=M(1404, 12), last=M(1405, 11), reference="GmshtmUMbZyyWsr45oDmXzKuDMkH1ywd"),
    "payment_not_accepted": dict(amount=9_876_543_210, number="7000012345"),
    "payment_reversed": dict(amount=9_876_543_210, number="7000012345"),
    "payment_in_review": dict(amount=9_876_543_210, number="7000012345", reference="987654321098765432"),
    "payment_review_no_money": dict(amount=9_876_543_210, number="7000012345"),
    "payment_refunded": dict(amount=9_876_543_210, number="7000012345", reference="R" * 32),
    "statement_settled": dict(year=1404, balance=-9_876_543_210),
    "statement_debt": dict(year=1404, amount=9_876_543_210, link=LINK),
    "gate_open": dict(year=1404),
    "lapse_warning": dict(first_unpaid=M(1405, 12), last_chance=M(1406, 3)),
    "extension_granted": dict(until=M(1405, 12)),
    "broker_fee": dict(office="کارگزاری رسمی تأمین اجتماعی ۱۲۳۴ امید", number="7000012345", fee=9_876_543),
    "credential_letter_ready": dict(branch="شعبه ۲۱ تهران (شهید بهشتی)", number="140509000123"),
    "credential_letter_ready_for_attorney": dict(insured="سیده فاطمه‌زهرا حسینی‌نژاد", branch="شعبه ۲۱ تهران",
                                                 number="140509000123"),
}


def test_every_text_function_is_measured_here():
    texts = {name for name in dir(sms_texts) if callable(getattr(sms_texts, name)) and not name.startswith("_")
             and getattr(getattr(sms_texts, name), "__module__", "") == sms_texts.__name__ and name != "sms_segments"}
    assert texts == set(LONGEST)


@pytest.mark.parametrize("name", sorted(LONGEST))
def test_each_text_is_at_most_two_segments(name):
    text = getattr(sms_texts, name)(**LONGEST[name])
    assert sms_segments(text) <= sms_texts.MAX_SEGMENTS, f"{len(text)} characters: {text}"


def test_the_slip_text_carries_months_amount_deadline_and_link():
    text = sms_texts.slip_issued(first=M(1405, 7), last=M(1405, 9), amount=59_851_980, until=date(2026, 12, 20),
                                 link=LINK)
    assert text == f"برگ حق بیمه مهر تا آذر ۱۴۰۵: ۵۹٬۸۵۱٬۹۸۰ ریال، مهلت ۱۴۰۵/۰۹/۲۹\nپرداخت: {LINK}"


def test_segments_are_counted_as_phones_do():
    assert sms_segments("a" * 160) == 1 and sms_segments("a" * 161) == 2 and sms_segments("a" * 307) == 3
    assert sms_segments("س" * 70) == 1 and sms_segments("س" * 71) == 2
    assert sms_segments("س" * 134) == 2 and sms_segments("س" * 135) == 3
    assert sms_segments("a" * 69 + "س") == 1, "one Persian letter makes the whole text UCS-2"
