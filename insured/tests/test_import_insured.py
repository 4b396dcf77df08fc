"""import_insured: a legacy CSV comes in whole or not at all, every bad row is named, and a re-run changes nothing."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from insured.models import Contract, CoveredMonth, InsuredPerson
from insured.tests.conftest import code_of
from samt.identifiers import has_valid_check_digit
from samt.jalali import JalaliMonth, parse_jalali_date
from samt.models import AuditEvent, Counter

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "fixtures" / "import_sample.csv"
HEADER = ["national_code", "insurance_number", "first_name", "last_name", "father_name", "birth_date", "gender",
          "mobile", "address", "branch_code", "rate_code", "wage_ratio", "first_month", "treatment", "persons",
          "paid_months", "paid_on", "prior_record_days"]


@pytest.fixture(autouse=True)
def branches(branch_a, branch_b):
    return branch_a, branch_b


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_insured", str(path), *args, stdout=out, stderr=err)
    except CommandError as refusal:
        refusal.stderr = err.getvalue()
        raise
    return out.getvalue(), err.getvalue()


def good(seed: int, **changes: str) -> dict[str, str]:
    row = {"national_code": code_of(seed), "insurance_number": f"{seed:08d}", "first_name": "مریم",
           "last_name": "کاظمی", "father_name": "علی", "birth_date": "1360/05/12", "gender": "F",
           "mobile": "", "address": "", "branch_code": "2104", "rate_code": "01", "wage_ratio": "1.00",
           "first_month": "1403/01", "treatment": "0", "persons": "", "paid_months": "1403/01-1403/03",
           "paid_on": "1403/03/20", "prior_record_days": ""}
    return row | changes


def write_csv(tmp_path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    path = tmp_path / "legacy.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def nothing_written() -> bool:
    return not (InsuredPerson.objects.exists() or Contract.objects.exists() or CoveredMonth.objects.exists()
                or AuditEvent.objects.exists() or Counter.objects.filter(key="contract").exists())


# A good file -------------------------------------------------------------------------------------------------


def test_the_sample_file_imports_persons_contracts_and_paid_months():
    out, err = run(SAMPLE)
    assert err == ""
    assert "import_sample.csv: 5 rows imported: 5 persons and contracts, 54 paid months; 0 already here" in out
    assert (InsuredPerson.objects.count(), Contract.objects.count(), CoveredMonth.objects.count()) == (5, 5, 54)
    [event] = AuditEvent.objects.filter(action="insured.imported")
    assert event.actor_label == "system:import_insured"
    assert event.after == {"file": "import_sample.csv", "rows": 5, "persons": 5, "contracts": 5,
                           "covered_months": 54, "skipped": 0}


def test_contracts_get_consecutive_checked_numbers_after_the_clerks_ones():
    Counter.objects.create(key="contract", value=41)
    run(SAMPLE)
    numbers = sorted(Contract.objects.values_list("number", flat=True))
    assert numbers == [f"30000{n:03d}" + numbers[i][-1] for i, n in enumerate(range(42, 47))]
    assert all(has_valid_check_digit(number) for number in numbers)
    assert Counter.objects.get(key="contract").value == 46


def test_paid_months_are_priced_at_the_rates_in_force():
    run(SAMPLE)
    first = CoveredMonth.objects.get(contract__insured__national_code="1283690004", month=JalaliMonth(1402, 1))
    assert (first.premium, first.per_capita, first.persons, first.amount_paid) == (6_582_272, 0, 0, 6_582_272)
    assert (first.slip_number, first.paid_on) == ("legacy", parse_jalali_date("1404/06/20"))
    family = CoveredMonth.objects.get(contract__insured__national_code="1283769190", month=JalaliMonth(1403, 1))
    assert (family.premium, family.per_capita, family.persons) == (93_303_716, 1_615_000, 3)
    assert family.amount_paid == 93_303_716 + 3 * 1_615_000
    assert CoveredMonth.objects.get(contract__insured__national_code="1283769190",
                                    month=JalaliMonth(1404, 1)).per_capita == 2_358_000
    voluntary = CoveredMonth.objects.filter(contract__insured__national_code="1283848384")
    assert [m.premium for m in voluntary.filter(month__in=[140007, 140012])] == [17_924_591, 17_327_105]


def test_persian_digits_and_arabic_letters_are_normalised():
    run(SAMPLE)
    person = InsuredPerson.objects.get(national_code="1283927578")
    assert (person.insurance_number, person.first_name, person.last_name, person.father_name) == (
        "87654321", "علی", "کریمی", "یوسف")
    assert (person.gender, person.mobile, person.address, person.branch.code) == ("M", "09121112222", "کرج", "2104")
    assert person.search_key == "علی کریمی"
    contract = person.contracts.get()
    assert (contract.rate_code, contract.wage_ratio_hundredths, contract.first_month) == (
        "02", 135, JalaliMonth(1404, 1))
    assert contract.covered_months.get(month=JalaliMonth(1404, 1)).premium == 20_293_561


def test_a_rate_code_without_its_leading_zero_and_an_empty_history_are_accepted():
    run(SAMPLE)
    contract = Contract.objects.get(insured__national_code="1284006761")
    assert (contract.rate_code, contract.wage_ratio_hundredths, contract.treatment) == ("01", 120, False)
    assert not contract.covered_months.exists()


# Running again -----------------------------------------------------------------------------------------------


def test_running_the_same_file_again_changes_nothing():
    run(SAMPLE)
    before = (list(InsuredPerson.objects.values()), list(Contract.objects.values()),
              list(CoveredMonth.objects.values()), Counter.objects.get(key="contract").value)
    out, _ = run(SAMPLE)
    assert "0 persons and contracts, 0 paid months; 5 already here and skipped" in out
    after = (list(InsuredPerson.objects.values()), list(Contract.objects.values()),
             list(CoveredMonth.objects.values()), Counter.objects.get(key="contract").value)
    assert after == before
    assert AuditEvent.objects.filter(action="insured.imported").order_by("pk").last().after["skipped"] == 5


def test_a_person_already_here_with_other_data_is_a_bad_row(tmp_path):
    run(write_csv(tmp_path, [good(1)]))
    with pytest.raises(CommandError, match="1 of 2 rows are bad; nothing was imported") as refused:
        run(write_csv(tmp_path, [good(1, last_name="رضایی", paid_months="1403/01-1403/04"), good(2)]))
    assert "line 2: national_code: این بیمه‌شده با داده‌های دیگری ثبت شده است" in refused.value.stderr
    assert "(already registered with different last_name, paid_months)" in refused.value.stderr
    assert InsuredPerson.objects.count() == 1


def test_months_paid_online_since_the_import_do_not_make_the_row_differ(tmp_path):
    path = write_csv(tmp_path, [good(1)])
    run(path)
    contract = Contract.objects.get()
    CoveredMonth.objects.create(contract=contract, month=JalaliMonth(1403, 4), premium=1, amount_paid=1,
                                slip_number="1000017", paid_on=JalaliMonth(1403, 4).first_day)
    assert "1 already here and skipped" in run(path)[0]


# Bad rows ----------------------------------------------------------------------------------------------------


BAD_ROWS = [
    (good(10, national_code="1283690005"), "national_code: کد ملی معتبر نیست"),
    (good(11, insurance_number="12ab"), "insurance_number: شماره بیمه باید ۸ تا ۱۰ رقم باشد. (not 8 to 10 digits)"),
    (good(12, first_name=""), "first_name: این ستون نباید خالی باشد. (empty)"),
    (good(13, birth_date="1360/13/01"), "birth_date: تاریخ را به شکل سال/ماه/روز وارد کنید"),
    (good(14, gender="X"), "gender: جنسیت را F یا M"),
    (good(15, mobile="0912"), "mobile: شماره همراه معتبر نیست"),
    (good(16, branch_code="9999"), "branch_code: شعبه‌ای با کد 9999 در سامانه نیست. (no branch 9999)"),
    (good(17, rate_code="04"), "rate_code: کد نرخ باید یکی از 01، 02، 03 یا VOL باشد."),
    (good(18, wage_ratio="7.50"), "wage_ratio: نسبت دستمزد باید بین ۱ و ۷ برابر حداقل دستمزد باشد."),
    (good(19, wage_ratio="1.005"), "wage_ratio: نسبت دستمزد را به شکل ۱٫۰۰ تا ۷٫۰۰ وارد کنید."),
    (good(20, first_month="1403/13"), "first_month: ماه باید بین ۱ و ۱۲"),
    (good(21, treatment="2"), "treatment: ستون درمان باید ۰ یا ۱ باشد."),
    (good(22, persons="2"), "persons: تعداد افراد درمان فقط با درمان"),
    (good(34, rate_code="VOL", treatment="1"), "treatment: نرخ بیمه اختیاری درمان را دربر دارد"),
    (good(23, paid_months="1402/12-1403/02"), "paid_months: ماه پرداخت‌شده پیش از نخستین ماه قرارداد است."),
    (good(24, paid_months="1403/05-1403/02"), "paid_months: بازه 1403/05-1403/02 وارونه است."),
    (good(25, paid_months="1403/01-1403/03;1403/03"), "paid_months: یک ماه دو بار آمده است."),
    (good(26, paid_months="1403/01 to 1403/03"), "paid_months: ماه‌ها را به شکل"),
    (good(27, paid_on=""), "paid_on: برای ماه‌های پرداخت‌شده تاریخ پرداخت لازم است."),
    (good(28, birth_date="1390/01/01"), "birth_date: سن در آغاز قرارداد ۱۳ سال است؛ کمتر از ۱۸ سال پذیرفته نیست."),
    (good(29, birth_date="1340/01/01"), "(aged 63 at the start, over 50 without prior record to cover it)"),
    (good(30, rate_code="VOL", prior_record_days="20"), "prior_record_days: بیمه اختیاری دست‌کم ۳۰ روز سابقه"),
    (good(31, first_month="1402/01", paid_months="1402/01", paid_on="1402/02/01", treatment="1"),
     "paid_months: سرانه درمان سال ۱۴۰۲ هنوز ثبت نشده است"),
    (good(32, first_month="1397/01", paid_months="1397/01", paid_on="1397/02/01"),
     "paid_months: حداقل دستمزد سال ۱۳۹۷ هنوز در سامانه ثبت نشده است"),
    (good(1, insurance_number="99999999"), "national_code: این کد ملی در سطر ۲ هم آمده است."),
    (good(33, insurance_number="00000001"), "insurance_number: این شماره بیمه در سطر ۲ هم آمده است."),
]


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(tmp_path):
    path = write_csv(tmp_path, [good(1)] + [row for row, _ in BAD_ROWS] + [good(2)])
    refusal = f"{len(BAD_ROWS)} of {len(BAD_ROWS) + 2} rows are bad; nothing was imported"
    with pytest.raises(CommandError, match=refusal):
        run(path)
    assert nothing_written()


def test_each_bad_row_names_its_line_column_and_reason(tmp_path):
    path = write_csv(tmp_path, [good(1)] + [row for row, _ in BAD_ROWS])
    with pytest.raises(CommandError) as refused:
        run(path)
    reported = refused.value.stderr.splitlines()
    assert len(reported) == len(BAD_ROWS)
    for line, ((_, reason), message) in enumerate(zip(BAD_ROWS, reported, strict=True), start=3):
        assert message.startswith(f"line {line}: ") and reason in message, (line, message)


def test_every_bad_field_of_a_row_is_reported(tmp_path):
    with pytest.raises(CommandError) as refused:
        run(write_csv(tmp_path, [good(1, national_code="12", gender="", wage_ratio="9")]))
    assert [line.split(":")[1].strip() for line in refused.value.stderr.splitlines()] == [
        "national_code", "gender", "wage_ratio"]


def test_older_applicants_pass_when_prior_record_covers_the_excess(tmp_path):
    with pytest.raises(CommandError, match="1 of 4 rows are bad") as refused:
        run(write_csv(tmp_path, [good(1, birth_date="1350/01/01", prior_record_days="730"),  # 53, 2 years: no
                                 good(2, birth_date="1350/01/01", prior_record_days="1100"),  # 3 years: yes
                                 good(3, birth_date="1330/01/01", prior_record_days="3650"),  # ten years: any age
                                 good(4, birth_date="1330/01/01", rate_code="VOL")]))
    assert refused.value.stderr.startswith("line 2: birth_date: سن در آغاز قرارداد ۵۳ سال است")


def test_a_missing_column_is_refused_before_any_row(tmp_path):
    path = write_csv(tmp_path, [good(1)], header=[name for name in HEADER if name != "gender"] + ["nickname"])
    with pytest.raises(CommandError) as refused:
        run(path)
    assert refused.value.stderr.splitlines() == [
        "line 1: header: ستون‌های gender نیستند. (missing gender)",
        "line 1: header: ستون‌های nickname شناخته نیستند. (unknown nickname)",
    ]
    assert nothing_written()


def test_a_row_with_too_few_or_too_many_fields_is_reported(tmp_path):
    path = tmp_path / "short.csv"
    lines = [",".join(HEADER), ",".join(good(1).values()), "1,2,3", ",".join([*good(2).values(), "extra"])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="2 of 3 rows are bad") as refused:
        run(path)
    assert refused.value.stderr.splitlines() == [
        "line 3: row: این سطر ۳ ستون دارد و باید ۱۸ ستون داشته باشد. (3 fields, expected 18)",
        "line 4: row: این سطر ۱۹ ستون دارد و باید ۱۸ ستون داشته باشد. (19 fields, expected 18)",
    ]


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes(",".join(HEADER).encode() + "\nمريم".encode("cp1256"))
    with pytest.raises(CommandError, match="cannot read"):
        run(path)
    assert nothing_written()


def test_a_dry_run_checks_and_writes_nothing():
    out, _ = run(SAMPLE, "--dry-run")
    assert "5 rows checked (dry run, nothing written)" in out
    assert nothing_written()
