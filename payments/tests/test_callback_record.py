"""What of a callback is kept: every field as it came, bounded, with anything like a card number masked."""

from __future__ import annotations

from payments.checks import effective_referrer_policy, referrer_policy_problem
from payments.views import callback_record


def test_a_card_number_in_any_field_is_masked_however_it_is_grouped():
    kept = callback_record({"note": "card 6037991111222232 paid", "Pan": "6037-9911-1122-2232",
                            "spaced": "6037 9911 1122 2232", "SecurePan": "603799******2232"})
    assert kept == {"note": "card 603799******2232 paid", "Pan": "603799******2232", "spaced": "603799******2232",
                    "SecurePan": "603799******2232"}


def test_references_and_tokens_are_kept_as_they_are():
    fields = {"Rrn": "123456789012", "TraceNo": "123456", "Amount": "59851980",
              "Token": "a1234567890123456789012345678901", "RefNum": "Ab12345678901234567890Cd+/"}
    assert callback_record(fields) == fields


def test_a_huge_callback_is_cut_down():
    kept = callback_record({f"field{i:03d}": "x" * 1000 for i in range(100)})
    assert len(kept) == 30 and all(len(value) == 200 for value in kept.values())


def test_the_referrer_policy_the_browser_applies_is_the_last_one():
    assert effective_referrer_policy("no-referrer, strict-origin") == "strict-origin"
    assert effective_referrer_policy(["strict-origin", "same-origin"]) == "same-origin"
    assert effective_referrer_policy(None) == ""
    assert referrer_policy_problem(None) == ""  # no header: browsers default to strict-origin-when-cross-origin
    assert referrer_policy_problem("origin") == ""
    assert "same-origin" in referrer_policy_problem("same-origin")
