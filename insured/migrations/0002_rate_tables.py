"""The published figures of domain.md §1–2, loaded as data that HQ can edit (the code holds none of them)."""

from django.db import migrations

# (effective from YYYYMM, minimum daily wage, ceiling daily wage) in rials
WAGES = [
    (139801, 505_627, 3_539_389, "مصوبه شورای عالی کار ۱۳۹۸"),
    (139901, 611_809, 4_282_663, "مصوبه شورای عالی کار ۱۳۹۹"),
    (139904, 636_809, 4_457_663, "اصلاح مصوبه ۱۳۹۹ از ۱۳۹۹/۰۴/۰۱"),
    (140001, 885_165, 6_196_155, "مصوبه شورای عالی کار ۱۴۰۰"),
    (140101, 1_393_250, 9_752_750, "مصوبه شورای عالی کار ۱۴۰۱"),
    (140201, 1_769_428, 12_385_996, "مصوبه شورای عالی کار ۱۴۰۲"),
    (140301, 2_388_728, 16_721_096, "مصوبه شورای عالی کار ۱۴۰۳"),
    (140401, 3_463_656, 24_245_592, "مصوبه شورای عالی کار ۱۴۰۴"),
    (140501, 5_541_850, 38_792_950, "مصوبه ۱۴۰۵ (سقف: هفت برابر حداقل)"),
]

# per-capita treatment fee per person per month, rials; other years are entered by HQ when published
TREATMENT = [(1400, 716_000), (1403, 1_615_000), (1404, 2_358_000)]

# the insured's share in basis points, in force since before any year we serve
RATES = [("01", 1200), ("02", 1400), ("03", 1800), ("VOL", 2700)]
RATES_SINCE = 130001


def load(apps, schema_editor):
    WageTable = apps.get_model("insured", "WageTable")
    TreatmentFee = apps.get_model("insured", "TreatmentFee")
    SchemeRate = apps.get_model("insured", "SchemeRate")
    for month, minimum, ceiling, source in WAGES:
        WageTable.objects.update_or_create(
            effective_from=month, defaults={"min_daily": minimum, "ceiling_daily": ceiling, "source": source}
        )
    for year, fee in TREATMENT:
        TreatmentFee.objects.update_or_create(year=year, defaults={"per_capita_monthly": fee})
    for code, rate in RATES:
        SchemeRate.objects.update_or_create(rate_code=code, effective_from=RATES_SINCE, defaults={"rate_bp": rate})


class Migration(migrations.Migration):
    dependencies = [("insured", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
