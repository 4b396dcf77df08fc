"""Admin: read-only views of the rate tables and the ledger. The rate tables change only through the province's
reference-data pages (prepared by an expert, approved by the HQ manager, written by insured.rates); the ledger
only through the branch pages and their services."""

from __future__ import annotations

from django.contrib import admin

from insured.models import AccountStatement, Contract, InsuredPerson, SchemeRate, TreatmentFee, WageTable
from samt.admin import ReadOnlyAdmin


@admin.register(WageTable)
class WageTableAdmin(ReadOnlyAdmin):
    list_display = ["effective_from", "min_daily", "ceiling_daily", "source"]


@admin.register(TreatmentFee)
class TreatmentFeeAdmin(ReadOnlyAdmin):
    list_display = ["year", "effective_from", "per_capita_monthly", "source", "reason"]


@admin.register(SchemeRate)
class SchemeRateAdmin(ReadOnlyAdmin):
    list_display = ["rate_code", "effective_from", "rate_bp"]
    list_filter = ["rate_code"]


@admin.register(InsuredPerson)
class InsuredPersonAdmin(ReadOnlyAdmin):
    list_display = ["national_code", "insurance_number", "last_name", "first_name", "branch"]
    list_filter = ["branch"]
    list_select_related = ["branch"]
    search_fields = ["=national_code", "=insurance_number", "search_key"]


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["number", "insured", "rate_code", "wage_ratio", "first_month", "treatment", "status"]
    list_filter = ["status", "scheme", "rate_code", "treatment"]
    list_select_related = ["insured"]
    search_fields = ["=number", "=insured__national_code", "=insured__insurance_number"]


@admin.register(AccountStatement)
class AccountStatementAdmin(ReadOnlyAdmin):
    list_display = ["contract", "year", "status", "due_total", "paid_total", "balance"]
    list_filter = ["year", "status"]
    list_select_related = ["contract"]
    search_fields = ["=contract__number", "=contract__insured__national_code"]
