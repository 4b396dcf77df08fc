from django.urls import path

from brokers.views import hq, office, walkin

app_name = "brokers"
urlpatterns = [
    path("", office.home, name="home"),
    # The walk-in: both identifiers, proof of presence, quote with the fee, issuance (brokers/views/walkin.py)
    path("walk-in/", walkin.lookup, name="lookup"),
    path("walk-in/<uuid:key>/", walkin.presence, name="walk_in"),
    path("walk-in/<uuid:key>/send-code/", walkin.send_code, name="send_code"),
    path("walk-in/<uuid:key>/verify-code/", walkin.verify_code, name="verify_code"),
    path("walk-in/<uuid:key>/card-check/", walkin.card_check, name="card_check"),
    path("walk-in/<uuid:key>/quote/", walkin.quote, name="quote"),
    path("walk-in/<uuid:key>/issue/", walkin.issue, name="issue"),
    # What the office issued and recorded; the payments result page links back to "slip"
    path("slips/", office.slip_list, name="slips"),
    path("slips/<str:number>/", office.slip_detail, name="slip"),
    path("slips/<str:number>/pdf/", office.slip_pdf, name="slip_pdf"),
    path("fees/<str:number>/pdf/", office.fee_receipt_pdf, name="fee_receipt_pdf"),
    path("reports/", office.report, name="report"),
    path("reports/csv/", office.report_csv, name="report_csv"),
    # HQ: tariffs and fault cases (brokers/views/hq.py)
    path("hq/tariffs/", hq.tariff_list, name="tariffs"),
    path("hq/cases/", hq.case_list, name="cases"),
    path("hq/cases/new/", hq.case_new, name="case_new"),
    path("hq/cases/<str:number>/", hq.case_detail, name="case"),
    path("hq/cases/<str:number>/decide/", hq.case_decide, name="case_decide"),
    # Last: an office code is any path segment
    path("<str:code>/", office.office_detail, name="detail"),
]
